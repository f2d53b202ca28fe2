using Rlrun.Runtime.Spec;

namespace Rlrun.Runtime.Cgroups;

/// <summary>Picks the cgroup manager: the one asked for (--cgroup-manager, --systemd-cgroup), else
/// systemd when a manager answers and can move this process into a scope, else cgroupfs when our
/// cgroup is delegated, else none. The systemd manager lives in src/Systemd and is registered by
/// the CLI.</summary>
public static class CgroupManagers
{
    public const string Systemd = "systemd", Cgroupfs = "cgroupfs", Disabled = "disabled", Auto = "auto";

    static Func<TimeSpan, IScopeCgroupManager?>? _systemd;

    /// <summary>How long a manager may take to answer the first call. Asked for by name (or for a
    /// container that has a scope), a slow manager is waited for as any call is; auto mode asks
    /// briefly and falls back. 500 ms was too short for a manager under load: a VM lane run at a
    /// load of 50 failed `--cgroup-manager systemd` with "no systemd manager answers".</summary>
    static readonly TimeSpan AskedProbe = TimeSpan.FromSeconds(25), AutoProbe = TimeSpan.FromSeconds(2);

    /// <summary>The systemd manager's factory: returns null when no manager answers on the bus
    /// within the given time.</summary>
    public static void RegisterSystemd(Func<TimeSpan, IScopeCgroupManager?> factory) => _systemd = factory;

    public static bool IsKnown(string name) => name is Systemd or Cgroupfs or Disabled or Auto;

    /// <summary>The manager for a new container, or an error that says why the choice cannot be had.</summary>
    /// <param name="wantsLimits">config.json asks for resource limits</param>
    /// <param name="cgroupsPath">config.json's linux.cgroupsPath</param>
    public static ICgroupManager Select(string choice, bool wantsLimits, Action<string> warn, string? cgroupsPath = null) =>
        CgroupManagerPrefetch.Take(choice, wantsLimits, cgroupsPath, warn) ?? SelectNow(choice, wantsLimits, warn, cgroupsPath);

    internal static ICgroupManager SelectNow(string choice, bool wantsLimits, Action<string> warn, string? cgroupsPath)
    {
        switch (choice)
        {
            case Systemd:
                var asked = _systemd?.Invoke(AskedProbe) ?? throw new CgroupException("--cgroup-manager systemd: no systemd manager answers on the bus (is systemd --user running, and DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus set?)");
                if (asked.Reach is { Reachable: false } no)
                    throw new CgroupException($"--cgroup-manager systemd: {no.Why}; run rlrun inside the manager's tree instead: {no.Fix}");
                return asked;
            case Cgroupfs:
                return CgroupfsManager.Detect() ?? throw new CgroupException($"--cgroup-manager cgroupfs: {WhyNoCgroupfs()}");
            case Disabled:
                if (wantsLimits) warn("--cgroup-manager disabled: linux.resources are not enforced");
                return new DisabledCgroupManager();
        }
        // Auto: a cgroupsPath that is a path (not slice:prefix:name) asks for cgroupfs, as runc reads it
        // without --systemd-cgroup: containerd's shim with kubelet's cgroupfs driver under systemd as PID 1.
        if (!string.IsNullOrEmpty(cgroupsPath) && !cgroupsPath.Contains(':') && CgroupfsManager.Detect() is { } byPath) return byPath;
        var systemd = _systemd?.Invoke(AutoProbe);
        ScopeReach? reach = systemd?.Reach;
        if (systemd is not null && reach!.Reachable)
            return new ScopeOrFallback(systemd, why => Fallback(why, ScopeReachability.RunInManager, wantsLimits, warn));
        string noSystemd = reach is { Reachable: false } ? reach.Why! : "no systemd user manager answers";
        return Fallback(noSystemd, reach?.Fix, wantsLimits, warn);
    }

    /// <summary>Without a scope: cgroupfs where our cgroup is delegated, else no cgroup (an error
    /// when config.json asks for limits), said in one warning with what to run instead.</summary>
    static ICgroupManager Fallback(string noSystemd, string? fix, bool wantsLimits, Action<string> warn)
    {
        // Read once for both: the reason below names what Detect looked at (~1 ms of CPU each time).
        string? mount = CgroupV2.MountPoint(), own = CgroupV2.OwnPath();
        if (CgroupfsManager.Detect(mount, own) is { } fs) return fs;
        string why = WhyNoCgroupfs(mount, own);
        string instead = fix is null ? "" : $"; for a cgroup, run: {fix}";
        if (wantsLimits)
            throw new CgroupException($"linux.resources asks for limits, but no cgroup can be made: {noSystemd}, and {why}{instead}; or pass --cgroup-manager disabled to run without the limits");
        warn($"running without a cgroup: {noSystemd}, and {why}{instead}");
        return new DisabledCgroupManager();
    }

    /// <summary>Auto mode's systemd manager: a scope whose job fails (the manager or its policy
    /// refused the move) is said once and the container gets the fallback instead.</summary>
    sealed class ScopeOrFallback(IScopeCgroupManager systemd, Func<string, ICgroupManager> fallback) : ICgroupManager
    {
        public string Name => systemd.Name;

        public ContainerCgroup? Create(string id, int pid, SpecResources? resources, string? cgroupsPath, OciSpec spec)
        {
            try { return systemd.Create(id, pid, resources, cgroupsPath, spec); }
            catch (ScopeFailedException)
            {
                // No ID or job in the words: the warning is said once per state root, not per container.
                return fallback("the systemd manager failed to move the container into a transient scope (its start job failed: see journalctl --user)")
                    .Create(id, pid, resources, cgroupsPath, spec);
            }
        }

        public void Destroy(ContainerCgroup cgroup) => For(cgroup).Destroy(cgroup);
    }

    static string WhyNoCgroupfs() => WhyNoCgroupfs(CgroupV2.MountPoint(), CgroupV2.OwnPath());

    static string WhyNoCgroupfs(string? mount, string? own)
    {
        if (mount is null) return "cgroup v2 is not mounted (cgroup v1 is not supported)";
        return $"the cgroup {Path.Join(mount, own ?? "?").TrimEnd('/')} is not delegated to uid {Interop.ProcessCalls.geteuid()}";
    }

    /// <summary>The manager that made an existing container's cgroup, to remove it.</summary>
    public static ICgroupManager For(ContainerCgroup cgroup) => cgroup.Manager switch
    {
        Systemd => (ICgroupManager?)_systemd?.Invoke(AskedProbe) ?? new CgroupfsRemover(),
        _ => new CgroupfsRemover(),
    };

    /// <summary>Removes by path alone: enough for cgroupfs, and for a scope whose manager is gone.</summary>
    sealed class CgroupfsRemover : ICgroupManager
    {
        public string Name => Cgroupfs;
        public ContainerCgroup? Create(string id, int pid, SpecResources? r, string? p, OciSpec s) => throw new NotSupportedException();
        public void Destroy(ContainerCgroup cgroup) => CgroupControl.Remove(cgroup.Path);
    }

    /// <summary>Whether linux.resources asks for anything beyond the kernel's defaults.</summary>
    public static bool WantsLimits(SpecResources? resources) => ResourceFiles.AnyLimit(ResourceFiles.From(resources));
}
