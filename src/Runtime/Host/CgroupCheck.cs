using Rlrun.Runtime.Cgroups;

namespace Rlrun.Runtime.Host;

/// <summary>The cgroup facts: the cgroup2 mount (null: none), whether v1 hierarchies are mounted
/// too (a hybrid host), the caller's cgroup, the controllers of the root cgroup, of the
/// caller's delegation root (CgroupfsManager; null: none) and of user@UID.service (the systemd
/// path; null: no such cgroup).</summary>
public sealed record CgroupFacts(CheckUser User, string? MountPoint, bool HasV1Hierarchies, string? OwnPath,
    IReadOnlySet<string> RootControllers,
    string? DelegationRoot, IReadOnlySet<string> DelegatedControllers, IReadOnlySet<string> DelegatedSubtreeControl,
    string? UserService, IReadOnlySet<string> UserServiceControllers, bool SystemdIsPid1 = true)
{
    public static CgroupFacts Gather(CheckUser user)
    {
        string mountinfo;
        try { mountinfo = File.ReadAllText("/proc/self/mountinfo"); }
        catch (IOException) { mountinfo = ""; }
        string? mount = CgroupV2.ParseMountPoint(mountinfo);
        bool v1 = HasV1In(mountinfo);
        string? own = CgroupV2.OwnPath();
        var none = new HashSet<string>();
        if (mount is null) return new(user, null, v1, own, none, null, none, none, null, none);

        string? delegation = own is null ? null : new CgroupfsManager(mount, own, user.Uid).DelegationRoot();
        string service = Path.Join(mount, "user.slice", $"user-{user.Uid}.slice", $"user@{user.Uid}.service");
        bool hasService = !user.IsRoot && Directory.Exists(service);
        return new(user, mount, v1, own, CgroupV2.Controllers(mount),
            delegation, delegation is null ? none : CgroupV2.Controllers(delegation),
            delegation is null ? none : CgroupV2.Controllers(delegation, "cgroup.subtree_control"),
            hasService ? service : null, hasService ? CgroupV2.Controllers(service) : none, ScopeReachFacts.Pid1IsSystemd());
    }

    /// <summary>Whether mountinfo has a cgroup (v1) hierarchy with a controller or a name.</summary>
    public static bool HasV1In(string mountinfo) =>
        mountinfo.Split('\n').Any(line =>
        {
            int dash = line.IndexOf(" - ", StringComparison.Ordinal);
            return dash >= 0 && line[(dash + 3)..].Split(' ') is [ "cgroup", ..];
        });
}

/// <summary>cgroup v2 (the only version rlrun supports) and the controllers delegated to the
/// user: resource limits need cpu, cpuset, io, memory and pids where rlrun makes its cgroups.
/// Without them containers still run (warnings); limits cannot be enforced.</summary>
public static class CgroupCheck
{
    public const string MountName = "cgroup2", DelegationName = "cgroup-delegation";
    public static readonly string[] Wanted = ["cpu", "cpuset", "io", "memory", "pids"];

    public const string DropIn = "/etc/systemd/system/user@.service.d/delegate.conf";
    const string UnifiedFix = "add systemd.unified_cgroup_hierarchy=1 to GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub and reboot";

    public static CheckResult EvaluateMount(CgroupFacts f)
    {
        if (f.MountPoint is null)
            return CheckResult.Warn(MountName, $"no cgroup2 mount{(f.HasV1Hierarchies ? " (cgroup v1 only, which rlrun does not support)" : "")}: containers run without a cgroup (no limits, no pause, no kill --all by cgroup)", UnifiedFix);
        string hybrid = f.HasV1Hierarchies ? " (hybrid host: controllers bound to cgroup v1 are not used; cgroup v1 is not supported)" : "";
        return CheckResult.Ok(MountName, $"mounted at {f.MountPoint}{hybrid}");
    }

    public static CheckResult EvaluateDelegation(CgroupFacts f)
    {
        if (f.MountPoint is null)
            return CheckResult.Warn(DelegationName, "skipped: no cgroup v2", UnifiedFix);

        // The systemd path (transient scopes under user@UID.service) when systemd runs the user's
        // manager; else the cgroup filesystem from the delegation root.
        string source;
        IReadOnlySet<string> delegated;
        bool viaSystemd = f.UserService is not null;
        if (viaSystemd)
        {
            source = $"systemd {Path.GetFileName(f.UserService)}";
            delegated = f.UserServiceControllers;
        }
        else if (f.DelegationRoot is not null)
        {
            source = f.User.IsRoot ? $"root cgroup {f.DelegationRoot}" : $"cgroupfs {f.DelegationRoot}";
            delegated = f.DelegatedControllers;
        }
        else
        {
            string own = f.OwnPath is null or "/" ? f.MountPoint : Path.Join(f.MountPoint, f.OwnPath);
            string what = $"no cgroup is delegated to {f.User.Display}: {own} is not writable, and there is no user@{f.User.Uid}.service cgroup: containers run without a cgroup";
            // No systemd as PID 1: no logind, and no system manager to move a scope's process.
            if (!f.SystemdIsPid1) return CheckResult.Warn(DelegationName, what, ContextCheck.RootDelegationFix(f.User, f.MountPoint));
            return CheckResult.Warn(DelegationName, what,
                $"loginctl enable-linger {f.User.Display}   # systemd then runs user@{f.User.Uid}.service with a delegated cgroup\n" +
                $"or: run rlrun in a delegated cgroup: systemd-run --user --scope -p Delegate=yes rlrun ...");
        }

        string seen = $"{source}: {List(delegated)}";
        if (!viaSystemd && f.DelegatedSubtreeControl.Count > 0) seen += $" (subtree_control: {List(f.DelegatedSubtreeControl)})";
        var missing = Wanted.Where(c => !delegated.Contains(c)).ToList();
        if (missing.Count == 0) return CheckResult.Ok(DelegationName, seen);

        // Missing in the root cgroup too: no delegation can give them; v1 holds them (hybrid) or
        // the kernel has none. Else they stop somewhere on the way down to us.
        var notInV2 = missing.Where(c => !f.RootControllers.Contains(c)).ToList();
        var notDelegated = missing.Except(notInV2).ToList();
        string held = f.HasV1Hierarchies ? "held by cgroup v1 on this hybrid host" : "not in the root cgroup";
        var why = new List<string>();
        if (notDelegated.Count > 0) why.Add($"{List(notDelegated)}{(notInV2.Count > 0 ? " (not delegated)" : "")}");
        if (notInV2.Count > 0) why.Add($"{List(notInV2)} ({held})");
        string detail = $"{seen}; missing {string.Join(", ", why)}: limits on them cannot be enforced";

        var fixes = new List<string>();
        if (notDelegated.Count > 0)
        {
            if (viaSystemd)
                fixes.Add($"mkdir -p {Path.GetDirectoryName(DropIn)} && printf '[Service]\\nDelegate=cpu cpuset io memory pids\\n' > {DropIn} && systemctl daemon-reload   # then log in again (or restart user@{f.User.Uid}.service)");
            else
                fixes.Add($"for d in {string.Join(' ', Ancestors(f.MountPoint, f.DelegationRoot!))}; do echo '{string.Join(' ', notDelegated.Select(c => "+" + c))}' > $d/cgroup.subtree_control; done");
        }
        if (notInV2.Count > 0)
            fixes.Add(f.HasV1Hierarchies ? UnifiedFix : $"boot a kernel with the {List(notInV2)} controllers (and no cgroup_disable= on its command line)");
        // Both steps when some are held by v1 and some stop on the way: they are not alternatives.
        return CheckResult.Warn(DelegationName, detail, string.Join("\nand: ", fixes));
    }

    static string List(IEnumerable<string> controllers)
    {
        var sorted = controllers.Order(StringComparer.Ordinal).ToList();
        return sorted.Count == 0 ? "(none)" : string.Join(' ', sorted);
    }

    /// <summary>The cgroups from the mount point down to the parent of dir: each must give the
    /// controller to its children (cgroup.subtree_control) for dir to have it.</summary>
    static IEnumerable<string> Ancestors(string mount, string dir)
    {
        var chain = new List<string>();
        for (string? d = Path.GetDirectoryName(dir); d is not null && d.Length >= mount.Length; d = Path.GetDirectoryName(d))
        {
            chain.Add(d);
            if (d == mount) break;
        }
        chain.Reverse();
        return chain;
    }
}
