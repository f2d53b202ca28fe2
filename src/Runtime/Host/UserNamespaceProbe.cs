namespace Rlrun.Runtime.Host;

/// <summary>Whether a process here may make a user namespace, tried for real: rlrun's own binary
/// with _RLRUN_PROBE_USERNS set, whose native constructor (single-threaded, before .NET starts)
/// calls unshare(CLONE_NEWUSER) and exits with 0 or its errno. Only a try shows a seccomp filter
/// that refuses it.</summary>
public static class UserNamespaceProbe
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>0, the errno of unshare, or null when the probe could not run.</summary>
    public static int? Run()
    {
        string self = Environment.ProcessPath ?? "/proc/self/exe";
        try
        {
            var outcome = BoundedCommand.Run(self, ["rlrun", "--version"], ["_RLRUN_PROBE_USERNS=1"], Timeout);
            return outcome.TimedOut ? null : outcome.ExitCode;
        }
        catch (Exception e) when (e is Interop.SyscallException or IOException) { return null; }
    }
}
