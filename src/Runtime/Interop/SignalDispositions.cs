using System.Runtime.InteropServices;

namespace Rlrun.Runtime.Interop;

/// <summary>src/Native/signals.c, linked into rlrun (not into rlrun-supervisor, which never calls it):
/// signal dispositions rlrun inherits, and the clean execve of the container's process.</summary>
public static unsafe partial class SignalDispositions
{
    const string Lib = "nsstage";

    [LibraryImport(Lib, EntryPoint = "rlrun_signals_unignored")]
    private static partial nuint SignalsUnignored();

    [LibraryImport(Lib, EntryPoint = "rlrun_signal_unignore", SetLastError = true)]
    private static partial int SignalUnignore(int sig);

    [LibraryImport(Lib, EntryPoint = "rlrun_signal_ignore", SetLastError = true)]
    private static partial int SignalIgnore(int sig);

    [LibraryImport(Lib, EntryPoint = "rlrun_exec", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Exec(string path, nint* argv, nint* envp);

    /// <summary>Makes each signal that is ignored default again, so a handler can be registered for it
    /// (.NET will not register over an inherited SIG_IGN).</summary>
    public static void Unignore(IEnumerable<int> signals)
    {
        foreach (int sig in signals) SyscallException.Check(SignalUnignore(sig), "rt_sigaction", $"signal {sig} to default");
    }

    /// <summary>For a command that forwards nothing: the job-control signals rlrun inherited ignored
    /// (the native constructor set them to default before the runtime started) are ignored again.</summary>
    public static void IgnoreAgainWhatWasInherited()
    {
        ulong mask = SignalsUnignored();
        for (int sig = 1; sig <= 64; sig++)
            if ((mask & (1UL << (sig - 1))) != 0) SyscallException.Check(SignalIgnore(sig), "rt_sigaction", $"signal {sig} to ignored");
    }

    /// <summary>execve with every signal disposition default and an empty signal mask, as runc's
    /// container process starts (the runtime ignores SIGPIPE, and SIG_IGN survives execve).
    /// Returns the errno when execve fails.</summary>
    public static int ExecClean(string path, nint* argv, nint* envp)
    {
        Exec(path, argv, envp);
        return Marshal.GetLastPInvokeError();
    }
}
