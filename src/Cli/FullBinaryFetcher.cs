using System.Diagnostics;
using System.Runtime.InteropServices;
using Rlrun.Images.Run;
using Rlrun.Images.Store;

namespace Rlrun.Cli;

/// <summary>run --image of an image not in the store, in the small rlrun: `rlrun-full pull` into the
/// same store as a child, then the image from the store; the container itself is still made by
/// this process. The child's progress lines are passed on to our stderr; its error line becomes
/// ours, in the words RegistryImageFetcher uses ("not in the store, and pulling it failed: ...").</summary>
sealed class FullBinaryFetcher(Action<string>? debug) : IImageFetcher
{
    public async Task<ImageRecord> FetchAsync(ImageStore store, string reference, CancellationToken ct)
    {
        string path = FullBinary.Require("the pull of an image not in the store");
        // All three redirected: with a terminal on any of them, Process.Start initializes .NET's
        // console for it, which writes the keypad-transmit sequence (ESC[?1h ESC=) to our terminal
        // and leaves the user's terminal in application cursor mode. The pull reads no stdin.
        var start = new ProcessStartInfo(path, ["pull", "--storage", store.Paths.Root, reference])
        { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        debug?.Invoke($"{path} pull --storage {store.Paths.Root} {reference}");
        using var pull = Process.Start(start) ?? throw new InvalidOperationException($"{path}: could not start");
        pull.StandardInput.Close();
        // A signal that ends us (kill, timeout(1), a unit's stop) ends the pull too: a terminal's ^C
        // reaches our whole process group, but one sent to our PID alone left the pull going on,
        // orphaned, until it had the image. The same signal, so that it removes its temp files.
        using var forward = new SignalsToChild(pull);
        // Its stdout is the image ID, which is not ours to print.
        var id = pull.StandardOutput.ReadToEndAsync(ct);
        string? error = null;
        while (await pull.StandardError.ReadLineAsync(ct) is { } line)
        {
            if (error is not null) Console.Error.WriteLine(error);
            error = null;
            if (line.StartsWith("rlrun: ") && !line.StartsWith("rlrun: warning: ") && !line.StartsWith("rlrun: debug: ")) error = line;
            else Console.Error.WriteLine(line);
        }
        await id;
        await pull.WaitForExitAsync(ct);
        if (pull.ExitCode == 0)
        {
            if (error is not null) Console.Error.WriteLine(error);
            return store.Resolve(reference);
        }
        string why = error is null ? $"{path} exited with {pull.ExitCode}" : StripPrefix(error["rlrun: ".Length..]);
        throw new ImageNotFoundException(reference, $"not in the store, and pulling it failed: {why}");
    }

    static string StripPrefix(string message) => message.StartsWith("pull: ") ? message["pull: ".Length..] : message;
}

/// <summary>While alive: SIGTERM, SIGINT, SIGHUP and SIGQUIT sent to us go to child as well, and
/// then do what they would have done (not cancelled: we end as before).</summary>
sealed class SignalsToChild : IDisposable
{
    static readonly (PosixSignal Signal, int Number)[] Forwarded =
        [(PosixSignal.SIGTERM, 15), (PosixSignal.SIGINT, 2), (PosixSignal.SIGHUP, 1), (PosixSignal.SIGQUIT, 3)];
    readonly List<PosixSignalRegistration> _registrations;

    public SignalsToChild(Process child) =>
        _registrations = [.. Forwarded.Select(f => PosixSignalRegistration.Create(f.Signal, _ =>
        {
            try { if (!child.HasExited) Runtime.Interop.ProcessCalls.kill(child.Id, f.Number); }
            catch (InvalidOperationException) { } // exited and disposed meanwhile
        }))];

    public void Dispose() { foreach (var r in _registrations) r.Dispose(); }
}
