using System.Diagnostics;
using System.Text.Json;

namespace Rlrun.Images.Registry;

/// <summary>Docker's credential helper protocol, as podman reads it from an auth file's "credHelpers"
/// (per registry) and "credsStore" (every registry): `docker-credential-NAME get` with the registry
/// on stdin answers {"ServerURL", "Username", "Secret"} on stdout. A helper that does not know the
/// registry (it says "credentials not found") is no answer; any other failure is an error.</summary>
public static class CredentialHelper
{
    public static RegistryCredentials? Get(string name, string registry, string source)
    {
        string program = $"docker-credential-{name}";
        if (name.Length == 0 || name.Contains('/'))
            throw new FormatException($"{source}: credential helper name \"{name}\" is not a plain name");
        var start = new ProcessStartInfo(program, ["get"])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception e)
        { throw new InvalidOperationException($"{source}: credential helper {program} for {registry}: {e.Message} (is it on PATH?)"); }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                process.StandardInput.Write(registry);
                process.StandardInput.Close();
            }
            catch (IOException) { } // it exited without reading: its status says why
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill();
                throw new InvalidOperationException($"{source}: credential helper {program} for {registry}: no answer in 60 s");
            }
            string output = stdout.Result.Trim(), errors = stderr.Result.Trim();
            if (process.ExitCode != 0)
            {
                // The protocol's "not found" message, which every helper prints on stdout.
                if (output.Contains("credentials not found", StringComparison.OrdinalIgnoreCase)) return null;
                string said = (errors.Length > 0 ? errors : output).Split('\n')[0];
                throw new InvalidOperationException($"{source}: credential helper {program} for {registry} failed (exit {process.ExitCode}){(said.Length > 0 ? $": {said}" : "")}");
            }
            try
            {
                using var doc = JsonDocument.Parse(output);
                string user = doc.RootElement.TryGetProperty("Username", out var u) ? u.GetString() ?? "" : "";
                string secret = doc.RootElement.TryGetProperty("Secret", out var s) ? s.GetString() ?? "" : "";
                if (user.Length == 0 && secret.Length == 0) return null;
                return new RegistryCredentials(user, secret, $"{source} (credential helper {program})");
            }
            catch (JsonException e)
            { throw new FormatException($"{source}: credential helper {program} for {registry}: its answer is not JSON ({e.Message})"); }
        }
    }
}
