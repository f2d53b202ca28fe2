using Rlrun.Runtime.Spec;

namespace Rlrun.Runtime.Cgroups;

/// <summary>Picks the cgroup manager: the one asked for (--cgroup-manager, --systemd-cgroup), else
/// systemd when a user manager answers, else cgroupfs when our cgroup is delegated, else none.
/// The systemd manager lives in src/Systemd and is registered by the CLI.</summary>
public static class CgroupManagers
{
    public const string Systemd = "systemd", Cgroupfs = "cgroupfs", Disabled = "disabled", Auto = "auto";

    static Func<ICgroupManager?>? _systemd;

    /// <summary>The systemd manager's factory: returns null when no manager answers on the bus.</summary>
    public static void RegisterSystemd(Func<ICgroupManager?> factory) => _systemd = factory;

    public static bool IsKnown(string name) => name is Systemd or Cgroupfs or Disabled or Auto;

    /// <summary>The manager for a new container, or an error that says why the choice cannot be had.</summary>
    /// <param name="wantsLimits">config.json asks for resource limits</param>
    public static ICgroupManager Select(string choice, bool wantsLimits, Action<string> warn)
    {
        switch (choice)
        {
            case Systemd:
                return _systemd?.Invoke() ?? throw new CgroupException("--cgroup-manager systemd: no systemd manager answers on the bus (is systemd --user running, and DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus set?)");
            case Cgroupfs:
                return CgroupfsManager.Detect() ?? throw new CgroupException($"--cgroup-manager cgroupfs: {WhyNoCgroupfs()}");
            case Disabled:
                if (wantsLimits) warn("--cgroup-manager disabled: linux.resources are not enforced");
                return new DisabledCgroupManager();
        }
        if (_systemd?.Invoke() is { } systemd) return systemd;
        if (CgroupfsManager.Detect() is { } fs) return fs;
        string why = WhyNoCgroupfs();
        if (wantsLimits)
            throw new CgroupException($"linux.resources asks for limits, but no cgroup can be made: no systemd user manager answers, and {why}; pass --cgroup-manager disabled to run without the limits");
        warn($"running without a cgroup: no systemd user manager answers, and {why}");
        return new DisabledCgroupManager();
    }

    static string WhyNoCgroupfs()
    {
        var mount = CgroupV2.MountPoint();
        if (mount is null) return "cgroup v2 is not mounted (cgroup v1 is not supported)";
        return $"the cgroup {Path.Join(mount, CgroupV2.OwnPath() ?? "?")} is not delegated to uid {Interop.ProcessCalls.geteuid()}";
    }

    /// <summary>The manager that made an existing container's cgroup, to remove it.</summary>
    public static ICgroupManager For(ContainerCgroup cgroup) => cgroup.Manager switch
    {
        Systemd => _systemd?.Invoke() ?? new CgroupfsRemover(),
        _ => new CgroupfsRemover(),
    };

    /// <summary>Removes by path alone: enough for cgroupfs, and for a scope whose manager is gone.</summary>
    sealed class CgroupfsRemover : ICgroupManager
    {
        public string Name => Cgroupfs;
        public ContainerCgroup? Create(string id, int pid, SpecResources? r, string? p, OciSpec s) => throw new NotSupportedException();
        public void Destroy(ContainerCgroup cgroup) => CgroupControl.Remove(cgroup.Path);
    }

    public static bool WantsLimits(SpecResources? resources) => ResourceFiles.From(resources).Count > 0;
}
