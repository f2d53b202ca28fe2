using Rlrun.Runtime.Cgroups;
using Rlrun.Runtime.Spec;

namespace Rlrun.Systemd.Cgroups;

/// <summary>runc's --systemd-cgroup path: the container's cgroup is a transient scope of the user's
/// (or, for root, the system's) manager, with Delegate=yes and the resources as unit properties;
/// the same resources are also written to the scope's files, which the delegation lets us do.</summary>
public sealed class SystemdCgroupManager(BusKind kind, Action<string>? warn = null, string? managerCgroup = null) : IScopeCgroupManager, ICgroupUpdater
{
    public string Name => CgroupManagers.Systemd;

    static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Whether the manager can move this process into a scope: asked with its own
    /// cgroup (read when it was connected), ours, and whether systemd runs as PID 1.</summary>
    public ScopeReach Reach => ScopeReachability.Decide(new ScopeReachFacts(CgroupV2.OwnPath(), managerCgroup,
        kind == BusKind.System, ScopeReachFacts.Pid1IsSystemd()));

    /// <summary>A manager when one answers on the bus, else null. The socket is looked for first,
    /// so a host without one pays for no library load (every create in auto mode asks). The one
    /// call made is the read of the manager's ControlGroup, which <see cref="Reach"/> needs.</summary>
    public static SystemdCgroupManager? TryConnect(Action<string>? warn = null) => TryConnect(TimeSpan.FromMilliseconds(500), warn);

    /// <param name="answerWithin">how long the manager may take to answer its first call</param>
    public static SystemdCgroupManager? TryConnect(TimeSpan answerWithin, Action<string>? warn = null)
    {
        var kind = SystemdBus.ResolveAuto();
        if (!BusSocketExists(kind)) return null;
        string? cgroup = SystemdBus.ManagerControlGroup(kind, answerWithin, out _);
        return cgroup is null ? null : new SystemdCgroupManager(kind, warn, cgroup);
    }

    static bool BusSocketExists(BusKind kind)
    {
        if (kind == BusKind.System) return File.Exists("/run/dbus/system_bus_socket") || File.Exists("/run/systemd/private");
        if (Environment.GetEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS") is { Length: > 0 } address)
        {
            const string prefix = "unix:path=";
            int i = address.IndexOf(prefix, StringComparison.Ordinal);
            if (i < 0) return true; // abstract or other transports: let sd-bus try
            string path = address[(i + prefix.Length)..].Split(',', ';')[0];
            if (Listening(path)) return true;
        }
        string? runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        return !string.IsNullOrEmpty(runtime) && (Listening(Path.Join(runtime, "bus")) || Listening(Path.Join(runtime, "systemd", "private")));
    }

    // A socket file whose listener is gone (a user manager stopped, the runtime dir kept) refuses
    // at once: no manager, found without the library's failing connect.
    static bool Listening(string path) => File.Exists(path) && !Rlrun.Runtime.Host.UnixSocketCalls.Refused(path);

    /// <summary>runc's systemd form of linux.cgroupsPath, "slice:prefix:name"; none gives
    /// rlrun-ID.scope in the manager's default slice.</summary>
    public static (string? Slice, string Unit) UnitFor(string id, string? cgroupsPath)
    {
        if (string.IsNullOrEmpty(cgroupsPath)) return (null, UnitName.ScopeFor("rlrun", id));
        var parts = cgroupsPath.Split(':');
        if (parts.Length != 3)
            throw new CgroupException($"linux.cgroupsPath \"{cgroupsPath}\": the systemd cgroup manager wants slice:prefix:name");
        string slice = parts[0].Length == 0 ? "" : parts[0];
        string unit = parts[2].EndsWith(".slice") ? parts[2] : UnitName.ScopeFor(parts[1].Length == 0 ? "rlrun" : parts[1], parts[2]);
        return (slice.Length == 0 ? null : slice, unit);
    }

    /// <summary>linux.resources as the unit properties systemd has for them.</summary>
    public static List<UnitProperty> PropertiesFor(SpecResources? r)
    {
        var props = new List<UnitProperty>();
        if (r?.Memory is { } m)
        {
            if (m.Limit is long limit && limit != 0) props.Add(UnitProperties.MemoryMax(limit < 0 ? UnitProperties.Infinity : (ulong)limit));
            if (m.Reservation is long low && low > 0) props.Add(UnitProperties.MemoryLow((ulong)low));
            if (m.Swap is long swap && swap != 0)
                props.Add(UnitProperties.MemorySwapMax(swap < 0 ? UnitProperties.Infinity : m.Limit is long l and > 0 && swap >= l ? (ulong)(swap - l) : 0));
        }
        if (r?.Cpu is { } c)
        {
            if (c.Shares is ulong shares && shares != 0) props.Add(UnitProperties.CpuWeight(UnitProperties.CpuWeightFromShares(shares)));
            if (c.Quota is long q && q != 0) props.Add(UnitProperties.CpuQuotaPerSecUSec(UnitProperties.CpuQuotaPerSecUSecFromOci(q, c.Period ?? 100000)));
            if (c.Period is ulong p && p != 0) props.Add(UnitProperties.CpuQuotaPeriodUSec(p));
            if (!string.IsNullOrEmpty(c.Cpus)) props.Add(UnitProperties.AllowedCpus(c.Cpus));
            if (!string.IsNullOrEmpty(c.Mems)) props.Add(UnitProperties.AllowedMemoryNodes(c.Mems));
        }
        if (r?.Pids is { Limit: var pids } && pids != 0) props.Add(UnitProperties.TasksMax(pids < 0 ? UnitProperties.Infinity : (ulong)pids));
        if (r?.BlockIO?.Weight is ushort w && w != 0) props.Add(UnitProperties.IOWeight(UnitProperties.IOWeightFromBlkioWeight(w)));
        return props;
    }

    public ContainerCgroup? Create(string id, int pid, SpecResources? resources, string? cgroupsPath, OciSpec spec)
    {
        var (slice, unit) = UnitFor(id, cgroupsPath);
        var props = new List<UnitProperty>
        {
            UnitProperties.Description($"rlrun container {id}"),
            UnitProperties.Pids(pid),
            UnitProperties.Delegate(),
            UnitProperties.DefaultDependencies(false),
            UnitProperties.CollectMode(),
        };
        if (slice is not null) props.Add(UnitProperties.Slice(slice));
        props.AddRange(PropertiesFor(resources));
        try { props.AddRange(AnnotationProperties.FromAnnotations(spec.Annotations)); }
        catch (FormatException e) { throw new SpecError($"annotations: {e.Message}"); }

        using var bus = SystemdBus.Open(kind);
        try { TransientScope.Start(bus, unit, props, JobTimeout, warn); }
        catch (SystemdException e)
        {
            // A failed job leaves a failed unit behind until it is reset (or collected).
            StopQuietly(bus, unit);
            throw new ScopeFailedException($"systemd: start {unit}: {e.Message}");
        }
        try
        {
            string controlGroup = bus.GetUnitPropertyString(unit, "ControlGroup");
            string mount = CgroupV2.MountPoint() ?? throw new CgroupException("cgroup v2 is not mounted");
            string dir = Path.Join(mount, controlGroup);
            // What systemd has no property for (unified, hugetlb, io.max ...) goes in as files.
            CgroupControl.WriteResources(dir, resources);
            return new ContainerCgroup(Name, dir, unit);
        }
        catch
        {
            StopQuietly(bus, unit);
            throw;
        }
    }

    public void Destroy(ContainerCgroup cgroup)
    {
        if (cgroup.Unit is { } unit)
        {
            try
            {
                using var bus = SystemdBus.Open(kind);
                StopQuietly(bus, unit);
            }
            catch (SystemdException e) { warn?.Invoke($"systemd: stop {unit}: {e.Message}"); }
        }
        CgroupControl.Remove(cgroup.Path);
    }

    public void Update(ContainerCgroup cgroup, SpecResources resources)
    {
        // The files are already written; the unit's properties follow so a daemon-reload keeps them.
        if (cgroup.Unit is null) return;
        var props = PropertiesFor(resources);
        if (props.Count == 0) return;
        try
        {
            using var bus = SystemdBus.Open(kind);
            TransientScope.SetProperties(bus, cgroup.Unit, props);
        }
        catch (SystemdException e) { warn?.Invoke($"systemd: set properties of {cgroup.Unit}: {e.Message}"); }
    }

    static void StopQuietly(SystemdBus bus, string unit)
    {
        try
        {
            TransientScope.Stop(bus, unit, JobTimeout);
            TransientScope.ResetFailed(bus, unit);
        }
        catch (SystemdException) { }
    }
}
