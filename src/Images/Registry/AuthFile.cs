using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Rlrun.Images.Store;

namespace Rlrun.Images.Registry;

/// <summary>A user name and password for one registry, and the file it came from (for messages).</summary>
public sealed record RegistryCredentials(string User, string Password, string Source);

/// <summary>podman's auth file (containers-auth.json(5)): {"auths": {"REGISTRY[/REPO]": {"auth": base64("user:password")}}}.
/// Read from $REGISTRY_AUTH_FILE alone when set (or --authfile), else $XDG_RUNTIME_DIR/containers/auth.json,
/// $XDG_CONFIG_HOME/containers/auth.json, ~/.docker/config.json, the first holding an entry. A file's
/// "credHelpers" (per registry) and "credsStore" name docker-credential-NAME programs asked first (CredentialHelper).
/// login and logout write $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json (mode 0600).</summary>
public static class AuthFile
{
    public static IReadOnlyList<string> ReadPaths(string? explicitPath)
    {
        if (explicitPath is { Length: > 0 }) return [explicitPath];
        if (Environment.GetEnvironmentVariable("REGISTRY_AUTH_FILE") is { Length: > 0 } env) return [env];
        var paths = new List<string>();
        if (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } run) paths.Add(Path.Join(run, "containers", "auth.json"));
        string? home = Environment.GetEnvironmentVariable("HOME");
        string config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } x ? x : home is { Length: > 0 } ? Path.Join(home, ".config") : "";
        if (config.Length > 0) paths.Add(Path.Join(config, "containers", "auth.json"));
        if (home is { Length: > 0 }) paths.Add(Path.Join(home, ".docker", "config.json"));
        return paths;
    }

    public static string WritePath(string? explicitPath)
    {
        if (explicitPath is { Length: > 0 }) return explicitPath;
        if (Environment.GetEnvironmentVariable("REGISTRY_AUTH_FILE") is { Length: > 0 } env) return env;
        if (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } run)
        {
            // podman's login says the same, rather than failing on a path under it.
            if (!Directory.Exists(run))
                throw new InvalidOperationException($"\"{run}\" directory set by $XDG_RUNTIME_DIR does not exist: create it, unset XDG_RUNTIME_DIR, or give --authfile FILE");
            return Path.Join(run, "containers", "auth.json");
        }
        throw new InvalidOperationException("no place for the auth file: neither REGISTRY_AUTH_FILE nor XDG_RUNTIME_DIR is set (give --authfile FILE)");
    }

    /// <summary>The auth file key for what login and logout are given, as podman's login reads it: a URL
    /// (http:// or https://) names its host only ("https://reg.example/v2/" is "reg.example"); without a
    /// scheme, REGISTRY or REGISTRY/NAMESPACE (credentials for that part of the registry). Docker Hub's
    /// "index.docker.io" is "docker.io".</summary>
    public static string KeyFor(string text)
    {
        string key = text;
        foreach (var scheme in new[] { "https://", "http://" })
        {
            if (!key.StartsWith(scheme, StringComparison.Ordinal)) continue;
            key = key[scheme.Length..];
            if (key.IndexOf('/') is var slash and >= 0) key = key[..slash];
            break;
        }
        key = key.TrimEnd('/');
        if (key.Length == 0 || key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || key.StartsWith('/') || key.Contains("//"))
            throw new ArgumentException($"invalid registry \"{text}\": REGISTRY[:PORT][/NAMESPACE] expected");
        string host = HostOf(key);
        if (host == "index.docker.io") key = RegistryReference.DockerHub + key[host.Length..];
        return key;
    }

    /// <summary>The registry's host[:port] of an auth key (what login checks the credentials against).</summary>
    public static string HostOf(string key) => key.IndexOf('/') is var slash and >= 0 ? key[..slash] : key;

    /// <summary>The credentials for REGISTRY/REPO: the longest matching key (repository namespaces
    /// first, then the registry), across the files in order.</summary>
    public static RegistryCredentials? Find(string registry, string repository, string? explicitPath)
    {
        var keys = new List<string>();
        var parts = repository.Length > 0 ? repository.Split('/') : [];
        for (int n = parts.Length; n >= 1; n--) keys.Add($"{registry}/{string.Join('/', parts[..n])}");
        keys.Add(registry);
        if (registry == RegistryReference.DockerHub) keys.AddRange(["https://index.docker.io/v1/", "index.docker.io"]);
        foreach (var path in ReadPaths(explicitPath))
        {
            var root = Load(path);
            if (root is null) continue;
            // As docker reads them: the registry's own helper, else the file's default store, else "auths".
            string? helper = null;
            if (root["credHelpers"] is JsonObject helpers)
                helper = keys.Where(k => !k.Contains('/') || k.StartsWith("https://", StringComparison.Ordinal)).Select(k => helpers[k] ?? helpers["https://" + k])
                    .FirstOrDefault(h => h is not null)?.GetValue<string>();
            helper ??= root["credsStore"]?.GetValue<string>();
            if (helper is { Length: > 0 } && CredentialHelper.Get(helper, registry, path) is { } helped) return helped;
            if (root["auths"] is not JsonObject auths) continue;
            foreach (var key in keys)
            {
                var entry = auths[key] ?? auths["https://" + key] ?? auths["http://" + key];
                if (entry?["auth"]?.GetValue<string>() is { Length: > 0 } encoded) return Decode(encoded, path, key);
            }
        }
        return null;
    }

    static RegistryCredentials Decode(string encoded, string path, string key)
    {
        string text;
        try { text = Encoding.UTF8.GetString(Convert.FromBase64String(encoded)); }
        catch (FormatException) { throw new FormatException($"{path}: auths.\"{key}\".auth is not base64"); }
        int colon = text.IndexOf(':');
        if (colon < 0) throw new FormatException($"{path}: auths.\"{key}\".auth is not base64(\"user:password\")");
        return new RegistryCredentials(text[..colon], text[(colon + 1)..], path);
    }

    static JsonObject? Load(string path)
    {
        if (!File.Exists(path)) return null;
        try { return JsonNode.Parse(File.ReadAllBytes(path)) as JsonObject ?? throw new FormatException($"{path}: not a JSON object"); }
        catch (JsonException e) { throw new FormatException($"{path}: invalid JSON: {e.Message}"); }
    }

    /// <summary>Stores (or with null, removes) the entry for KEY; other entries and fields are kept. True when something changed.</summary>
    public static bool Set(string path, string key, RegistryCredentials? credentials)
    {
        var root = Load(path) ?? new JsonObject();
        if (root["auths"] is not JsonObject auths) root["auths"] = auths = new JsonObject();
        if (credentials is null)
        {
            if (!auths.Remove(key)) return false;
        }
        else
        {
            auths[key] = new JsonObject { ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.User}:{credentials.Password}")) };
        }
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var bytes = Encoding.UTF8.GetBytes(root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        try
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            AtomicFile.Write(path, bytes, mode: 0x180);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"auth file {path}: {e.Message}");
        }
        return true;
    }
}
