namespace Rlrun.Runtime.Cgroups;

/// <summary>What decides whether a systemd manager can move this process into a new scope: our
/// cgroup (/proc/self/cgroup), the manager's own ControlGroup (null: unknown), whether it is the
/// system manager, and whether systemd runs as PID 1 (/run/systemd/system).</summary>
public sealed record ScopeReachFacts(string? OwnCgroup, string? ManagerCgroup, bool IsSystemManager, bool SystemdIsPid1)
{
    public static bool Pid1IsSystemd() => Directory.Exists("/run/systemd/system");
}

/// <summary>Whether a scope can be had, and when not, why and the one command that gets one.</summary>
public sealed record ScopeReach(bool Reachable, string? Why = null, string? Fix = null);

/// <summary>
/// A user manager moves a process into a transient scope only when the process already sits in
/// its tree (under user@UID.service), or when systemd as PID 1 moves it on the user manager's
/// behalf (AttachProcessesToUnit). A shell from su, sudo -u, runuser, cron or a root service's
/// child is outside the tree: asking anyway gives a failed job, so the choice is made first.
/// </summary>
public static class ScopeReachability
{
    /// <summary>The command that runs rlrun inside the user manager's tree, where scopes work.</summary>
    public const string RunInManager = "systemd-run --user --pty --same-dir --wait --collect rlrun ...";

    public static ScopeReach Decide(ScopeReachFacts f)
    {
        // The system manager owns every cgroup; the user manager moves what is under it.
        if (f.IsSystemManager) return new ScopeReach(true);
        if (f.OwnCgroup is { } own && f.ManagerCgroup is { Length: > 0 } manager && IsUnder(own, manager)) return new ScopeReach(true);
        if (f.SystemdIsPid1) return new ScopeReach(true);
        string where = f.ManagerCgroup is { Length: > 0 } m ? $" ({m})" : "";
        return new ScopeReach(false,
            $"this process (cgroup {f.OwnCgroup ?? "unknown"}) is outside the systemd user manager's tree{where} and no systemd as PID 1 can move it there (a shell from su, sudo -u, runuser, cron, or a service started by root)",
            RunInManager);
    }

    /// <summary>Path containment on whole components: /a/b is under /a, /ab is not.</summary>
    public static bool IsUnder(string path, string ancestor)
    {
        string a = ancestor.TrimEnd('/');
        if (a.Length == 0) return path.StartsWith('/');
        return path == a || path.StartsWith(a + "/", StringComparison.Ordinal);
    }
}

/// <summary>A cgroup manager that asks a systemd manager for scopes: whether it can take this
/// process is known before any job is started.</summary>
public interface IScopeCgroupManager : ICgroupManager
{
    ScopeReach Reach { get; }
}

/// <summary>The manager was asked for a scope and its job failed: in auto mode rlrun falls back.</summary>
public sealed class ScopeFailedException(string message) : CgroupException(message);
