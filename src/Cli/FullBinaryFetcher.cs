using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Rlrun.Images.Registry;
using Rlrun.Images.Run;
using Rlrun.Images.Store;
using Rlrun.Runtime.Interop;

namespace Rlrun.Cli;

/// <summary>run --image of an image not in the store, in the small rlrun: `rlrun-full pull` into the
/// same store as a child, then the image from the store; the container itself is still made by
/// this process. The child's progress lines are passed on to our stderr; its error line becomes
/// ours, in the words RegistryImageFetcher uses ("not in the store, and pulling it failed: ...").</summary>
sealed class FullBinaryFetcher(Action<string>? debug) : IImageFetcher
{
    const string Failed = "not in the store, and pulling it failed";

    /// <summary>Synchronous on the caller's thread, which is rlrun's main thread (ImageFetcher.Get):
    /// the pull's parent-death signal is tied to the thread that spawned it.</summary>
    public Task<ImageRecord> FetchAsync(ImageStore store, string reference, CancellationToken ct) =>
        Task.FromResult(Fetch(store, reference));

    ImageRecord Fetch(ImageStore store, string reference)
    {
        // A malformed reference is said here, in the words of rlrun-full's pull, without starting it.
        try { RegistryReference.Parse(reference); }
        catch (ArgumentException e) { throw new ImageNotFoundException(reference, $"{Failed}: {e.Message}"); }
        string path = FullBinary.Require("the pull of an image not in the store");
        debug?.Invoke($"{path} pull --storage {store.Paths.Root} {reference}");
        var (pid, errors) = Spawn(path, ["pull", "--storage", store.Paths.Root, reference]);
        string? error = null;
        // A signal that ends us (kill, timeout(1), a unit's stop) ends the pull too: a terminal's ^C
        // reaches our whole process group, but one sent to our PID alone left the pull going on,
        // orphaned, until it had the image. The same signal, so that it ends as it would have.
        // kill -9 of us, which no handler sees, is the parent-death signal's (src/Native/parentdeath.c).
        using (new SignalsToChild(pid))
        using (var reader = new StreamReader(new FileStream(new SafeFileHandle(errors, ownsHandle: true), FileAccess.Read, bufferSize: 0)))
        {
            while (reader.ReadLine() is { } line)
            {
                if (error is not null) Console.Error.WriteLine(error);
                error = null;
                if (line.StartsWith("rlrun: ") && !line.StartsWith("rlrun: warning: ") && !line.StartsWith("rlrun: debug: ")) error = line;
                else Console.Error.WriteLine(line);
            }
        }
        int exitCode = ProcessCalls.ExitCodeOf(ProcessCalls.WaitStatus(pid));
        if (exitCode == 0)
        {
            if (error is not null) Console.Error.WriteLine(error);
            return store.Resolve(reference);
        }
        string why = error is null ? $"{path} exited with {exitCode}" : StripPrefix(error["rlrun: ".Length..]);
        throw new ImageNotFoundException(reference, $"{Failed}: {why}");
    }

    /// <summary>The pull with stdin and stdout on /dev/null (its stdout is the image ID, which is not
    /// ours to print) and stderr on a pipe: its PID and the pipe's reading end. Not Process.Start:
    /// with a terminal on any of our fds it initializes .NET's console, which writes ESC[?1h ESC= to
    /// the user's terminal, and it cannot give the child a parent-death signal.</summary>
    static unsafe (int Pid, int Errors) Spawn(string path, string[] args)
    {
        int* p = stackalloc int[2];
        SyscallException.Check(Pipe.pipe2(p, Libc.O_CLOEXEC), "pipe2", "rlrun-full pull's stderr");
        int devNull = Libc.open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC, 0);
        try
        {
            if (devNull < 0) throw new SyscallException("open", Libc.LastErrno, "/dev/null");
            var env = Runtime.Process.EnvironmentEntries.Current();
            env.Add(Runtime.Process.ParentDeathSignal.Entry());
            int pid = SpawnCalls.Spawn(path, [path, .. args], env, [(devNull, 0), (devNull, 1), (p[1], 2)]);
            return (pid, p[0]);
        }
        catch
        {
            Libc.close(p[0]);
            throw;
        }
        finally
        {
            Libc.close(p[1]);
            if (devNull >= 0) Libc.close(devNull);
        }
    }

    static string StripPrefix(string message) => message.StartsWith("pull: ") ? message["pull: ".Length..] : message;
}

/// <summary>While alive: SIGTERM, SIGINT, SIGHUP and SIGQUIT sent to us go to the child as well, and
/// then do what they would have done (not cancelled: we end as before).</summary>
sealed class SignalsToChild : IDisposable
{
    static readonly (PosixSignal Signal, int Number)[] Forwarded =
        [(PosixSignal.SIGTERM, 15), (PosixSignal.SIGINT, 2), (PosixSignal.SIGHUP, 1), (PosixSignal.SIGQUIT, 3)];
    readonly List<PosixSignalRegistration> _registrations;
    volatile bool _reaped;

    /// <summary>pid is not reaped before Dispose, so a signal never reaches another process of that PID.</summary>
    public SignalsToChild(int pid) =>
        _registrations = [.. Forwarded.Select(f => PosixSignalRegistration.Create(f.Signal, _ =>
        {
            if (!_reaped) ProcessCalls.kill(pid, f.Number);
        }))];

    public void Dispose()
    {
        _reaped = true;
        foreach (var r in _registrations) r.Dispose();
    }
}
