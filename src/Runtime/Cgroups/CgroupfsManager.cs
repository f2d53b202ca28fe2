using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Spec;

namespace Rlrun.Runtime.Cgroups;

/// <summary>The cgroup filesystem used directly, where the caller's cgroup is delegated to it: a
/// sub-cgroup per container, controllers enabled down the way, resources written as files.</summary>
public sealed class CgroupfsManager(string mountPoint, string ownPath, uint euid) : ICgroupManager
{
    public string Name => "cgroupfs";

    public static CgroupfsManager? Detect() => Detect(CgroupV2.MountPoint(), CgroupV2.OwnPath());

    /// <param name="mount">the cgroup2 mount point, as CgroupV2.MountPoint read it</param>
    /// <param name="own">our cgroup, as CgroupV2.OwnPath read it</param>
    public static CgroupfsManager? Detect(string? mount, string? own)
    {
        if (mount is null || own is null) return null;
        var m = new CgroupfsManager(mount, own, ProcessCalls.geteuid());
        return m.DelegationRoot() is null ? null : m;
    }

    /// <summary>The highest cgroup above (or at) ours that we may write: ours must be writable,
    /// and we climb while the parent is ours too (the delegation systemd or a VM set-up made).</summary>
    public string? DelegationRoot()
    {
        string dir = Path.Join(mountPoint, ownPath);
        if (!Writable(dir)) return null;
        if (euid == 0) return mountPoint;
        while (true)
        {
            string parent = Path.GetDirectoryName(dir)!;
            if (parent.Length < mountPoint.Length || dir == mountPoint || !Writable(parent) || !OwnedByUs(parent)) return dir;
            dir = parent;
        }
    }

    bool Writable(string dir) => FileCalls.access(Path.Join(dir, "cgroup.procs"), 2) == 0 && FileCalls.access(dir, 2) == 0;
    bool OwnedByUs(string dir) => FileCalls.stat(dir, out var st) == 0 && st.st_uid == euid;

    /// <summary>linux.cgroupsPath: absolute is under the cgroup2 mount, relative under our own
    /// cgroup; none means DELEGATION-ROOT/rlrun-ID. runc's systemd form is for the systemd manager.</summary>
    public string PathFor(string id, string? cgroupsPath)
    {
        if (string.IsNullOrEmpty(cgroupsPath))
            return Path.Join(DelegationRoot() ?? throw new CgroupException($"cgroup {Path.Join(mountPoint, ownPath)} is not delegated to uid {euid}"), $"rlrun-{id}");
        if (cgroupsPath.Contains(':'))
            throw new CgroupException($"linux.cgroupsPath \"{cgroupsPath}\" is in systemd form (slice:prefix:name): use --cgroup-manager systemd");
        if (cgroupsPath.Split('/').Contains("..")) throw new CgroupException($"linux.cgroupsPath \"{cgroupsPath}\" must not contain '..'");
        return cgroupsPath.StartsWith('/') ? Path.Join(mountPoint, cgroupsPath) : Path.Join(mountPoint, ownPath, cgroupsPath);
    }

    public ContainerCgroup? Create(string id, int pid, SpecResources? resources, string? cgroupsPath, OciSpec spec)
    {
        string dir = PathFor(id, cgroupsPath);
        string parent = Path.GetDirectoryName(dir)!;
        var made = new List<string>(); // what a failed create must take away again, deepest first
        try
        {
            EnsureParents(parent, made);
            // A parent made here has no controllers until its own parent gives them (containerd's
            // default cgroupsPath is /NAMESPACE/ID): enable them down the way, as runc does.
            var wanted = ResourceFiles.Controllers(ResourceFiles.From(resources));
            for (int i = made.Count - 1; i >= 0; i--) EnableAvailable(Path.GetDirectoryName(made[i])!, wanted);
            var writes = ApplicableWrites(parent, resources);
            EnableControllers(parent, ResourceFiles.Controllers(writes));
            if (Libc.mkdir(dir, 0x1ed) < 0)
            {
                int err = Libc.LastErrno;
                throw new CgroupException(err == Libc.EEXIST ? $"cgroup {dir} already exists" : $"mkdir {dir}: {Libc.StrError(err)}");
            }
            made.Insert(0, dir);
            foreach (var w in writes) CgroupV2.Write(dir, w.File, w.Value);
            // Before the pid goes in: the container never runs without its device filter.
            FilterDevices(dir, resources?.Devices);
            CgroupV2.Write(dir, "cgroup.procs", pid.ToString());
            return new ContainerCgroup(Name, dir);
        }
        catch
        {
            foreach (var d in made) Libc.rmdir(d);
            throw;
        }
    }

    /// <summary>Where Create says what it did with linux.resources.devices (the CLI's --debug).</summary>
    public static Action<string>? Debug { get; set; }

    /// <summary>linux.resources.devices as an eBPF program on the cgroup (DeviceFilter). Only root in
    /// the initial user namespace may load one; rootless, like runc, the rules are checked and
    /// skipped: a rootless container's device nodes are binds of host nodes the user can open anyway.
    /// `rlrun update` leaves the program as it is, as runc does on cgroup v2.</summary>
    void FilterDevices(string dir, List<SpecDeviceCgroup>? rules)
    {
        if (rules is not { Count: > 0 }) return;
        var program = BpfInstruction.Encode(DeviceFilter.Compile(rules));
        if (euid != 0 || Container.CallerInfo.InForeignUserNamespace())
        {
            Debug?.Invoke($"linux.resources.devices: {rules.Count} rules not applied: only root in the initial user namespace can load a BPF device filter (runc skips them too)");
            return;
        }
        int cgroupFd = Libc.open(dir, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (cgroupFd < 0) throw new CgroupException($"linux.resources.devices: open {dir}: {Libc.StrError(Libc.LastErrno)}");
        int programFd = -1;
        try
        {
            programFd = BpfCalls.LoadCgroupDeviceProgram(program);
            BpfCalls.AttachCgroupDevice(cgroupFd, programFd, dir);
            Debug?.Invoke($"linux.resources.devices: {rules.Count} rules attached to {dir} as a BPF device filter ({program.Length / BpfInstruction.Size} instructions)");
        }
        catch (SyscallException e)
        {
            throw new CgroupException($"linux.resources.devices: cannot filter devices: {e.Message} (errno {e.Errno})");
        }
        finally
        {
            if (programFd >= 0) Libc.close(programFd);
            Libc.close(cgroupFd);
        }
    }

    /// <summary>linux.resources as writes into a child of <paramref name="parent"/>, less those at
    /// the kernel's default whose controller the parent does not have (said in --debug).</summary>
    public static List<CgroupWrite> ApplicableWrites(string parent, SpecResources? resources)
    {
        var all = ResourceFiles.From(resources);
        if (all.Count == 0) return all;
        var (writes, leftOut) = ResourceFiles.Applicable(all, CgroupV2.Controllers(parent));
        if (leftOut.Count > 0)
            Debug?.Invoke($"linux.resources: {string.Join(", ", leftOut.Select(w => $"{w.File}={w.Value}"))} left out: the kernel's default, and {parent} has no such controller");
        return writes;
    }

    static void EnsureParents(string parent, List<string> made)
    {
        if (Directory.Exists(parent)) return;
        EnsureParents(Path.GetDirectoryName(parent)!, made);
        if (Libc.mkdir(parent, 0x1ed) < 0 && Libc.LastErrno != Libc.EEXIST)
            throw new CgroupException($"mkdir {parent}: {Libc.StrError(Libc.LastErrno)}");
        made.Insert(0, parent);
    }

    /// <summary>Those of the controllers that <paramref name="dir"/> has, switched on for its children;
    /// best effort: what is missing is EnableControllers' to report on the container's own parent.</summary>
    static void EnableAvailable(string dir, IEnumerable<string> controllers)
    {
        var available = CgroupV2.Controllers(dir);
        try { EnableControllers(dir, controllers.Where(available.Contains)); }
        catch (CgroupException) { }
    }

    /// <summary>Each controller must be in the parent's cgroup.controllers (given to us from above)
    /// and is then switched on in its cgroup.subtree_control.</summary>
    public static void EnableControllers(string parent, IEnumerable<string> controllers)
    {
        var available = CgroupV2.Controllers(parent);
        var enabled = CgroupV2.Controllers(parent, "cgroup.subtree_control");
        foreach (var c in controllers)
        {
            if (enabled.Contains(c)) continue;
            if (!available.Contains(c))
                throw new CgroupException($"the {c} controller is not available in {parent} (cgroup.controllers: {string.Join(' ', available.Order())}): it is not delegated to you");
            try { CgroupV2.Write(parent, "cgroup.subtree_control", "+" + c); }
            catch (IOException e)
            {
                throw new CgroupException($"cannot enable the {c} controller in {parent}: {e.Message}" +
                    " (a cgroup with processes in it cannot give controllers to children: run rlrun from a leaf cgroup, e.g. under systemd-run --user, or use --cgroup-manager systemd)");
            }
        }
    }

    public void Destroy(ContainerCgroup cgroup) => CgroupControl.Remove(cgroup.Path);
}

/// <summary>No cgroup: limits are not enforced, pause and resume are unavailable.</summary>
public sealed class DisabledCgroupManager : ICgroupManager
{
    public string Name => "disabled";
    public ContainerCgroup? Create(string id, int pid, SpecResources? resources, string? cgroupsPath, OciSpec spec) => null;
    public void Destroy(ContainerCgroup cgroup) { }
}
