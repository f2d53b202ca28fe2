using Rlrun.Runtime.Cgroups;

namespace Rlrun.Runtime.Host;

/// <summary>Where rlrun was started from, as far as cgroups go: our cgroup, the user manager's
/// tree (user.slice/user-UID.slice/user@UID.service), whether a user manager answers, whether
/// systemd runs as PID 1, the cgroup delegated to us (null: none), and whether XDG_RUNTIME_DIR
/// is set (su, sudo -u and cron leave it unset).</summary>
public sealed record ContextFacts(CheckUser User, string? OwnCgroup, bool ManagerAnswers, bool SystemdIsPid1,
    string? DelegatedCgroup, string? CgroupMount, bool HasRuntimeDir, string StateRoot)
{
    public string ManagerTree => $"/user.slice/user-{User.Uid}.slice/user@{User.Uid}.service";

    public static ContextFacts Gather(CheckUser user, SystemdBusFacts bus)
    {
        string? own = CgroupV2.OwnPath();
        string? mount = CgroupV2.MountPoint();
        string? delegated = mount is null || own is null ? null : new CgroupfsManager(mount, own, user.Uid).DelegationRoot();
        bool answers = bus.Probes.Any(p => p.Address is not null && p.Error is null);
        return new ContextFacts(user, own, answers, ScopeReachFacts.Pid1IsSystemd(), delegated, mount,
            Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 }, State.StateStore.DefaultRoot());
    }
}

/// <summary>Which of the places users start rlrun from this is, and what it costs there: inside
/// the user manager's tree or a login session (scopes), a delegated cgroup (cgroupfs), or outside
/// both, as from su, sudo -u, runuser, cron or a root service's child (no cgroup: no limits, no
/// pause, no kill --all by cgroup). Each loss comes with the one command that avoids it here.</summary>
public static class ContextCheck
{
    public const string Name = "context";

    public static CheckResult Evaluate(ContextFacts f)
    {
        if (f.User.IsRoot)
            return CheckResult.Ok(Name, f.SystemdIsPid1 ? "root with systemd as PID 1: containers get system scopes" : $"root: containers get cgroups under {f.CgroupMount ?? "(no cgroup2)"}");
        string state = f.HasRuntimeDir ? "" : $"; XDG_RUNTIME_DIR is unset (su, sudo -u, cron), so state goes to {f.StateRoot}";
        string cgroup = f.OwnCgroup ?? "unknown";
        bool inTree = f.OwnCgroup is { } own && ScopeReachability.IsUnder(own, f.ManagerTree);

        if (f.ManagerAnswers && inTree)
            return CheckResult.Ok(Name, $"inside your systemd user manager's tree ({cgroup}): each container gets a transient scope{state}");
        if (f.ManagerAnswers && f.SystemdIsPid1)
            return CheckResult.Ok(Name, $"a session outside your user manager's tree ({cgroup}), with systemd as PID 1 to move containers into scopes of it{state}");
        if (f.DelegatedCgroup is { } d)
            return CheckResult.Ok(Name, $"{Where(f, inTree)}; the cgroup {d} is delegated to you: containers get cgroups under it (cgroupfs){state}");

        string lost = "containers run without a cgroup (no resource limits, no pause, no kill --all or ps by cgroup)";
        if (f.ManagerAnswers)
            return CheckResult.Warn(Name, $"{Where(f, inTree)}: {lost}{state}",
                $"{ScopeReachability.RunInManager}   # runs rlrun as a service of your user manager, where scopes work");
        return CheckResult.Warn(Name, $"{Where(f, inTree)}, and no systemd user manager answers: {lost}{state}", NoManagerFix(f));
    }

    static string Where(ContextFacts f, bool inTree) => inTree
        ? $"inside your user manager's tree ({f.OwnCgroup})"
        : $"outside your systemd user manager's tree (cgroup {f.OwnCgroup ?? "unknown"}{(f.SystemdIsPid1 ? "" : "; systemd is not PID 1, so nothing can move a process into it")}): started from su, sudo -u, runuser, cron or a service run by root";

    /// <summary>Without systemd as PID 1 there is no logind, lingering or machinectl: only root
    /// can give the user a cgroup, by delegating one and starting the user's processes in it.</summary>
    static string NoManagerFix(ContextFacts f)
    {
        string user = f.User.Display;
        if (f.SystemdIsPid1)
            return $"loginctl enable-linger {user}   # starts your user manager; then use a login shell: machinectl shell {user}@";
        return RootDelegationFix(f.User, f.CgroupMount);
    }

    public static string RootDelegationFix(CheckUser u, string? mount)
    {
        string dir = Path.Join(mount ?? "/sys/fs/cgroup", $"rlrun-{u.Display}");
        return $"as root: mkdir {dir} && chown -R {u.Display} {dir}, then start {u.Display}'s shell in it: echo $$ > {dir}/cgroup.procs && exec su {u.Display}";
    }
}
