using Rlrun.Runtime.Cgroups;
using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Process;
using Rlrun.Runtime.Syscalls;
using static Rlrun.Runtime.Interop.MountCalls;

namespace Rlrun.Runtime.Rootfs;

/// <summary>Builds the container's root filesystem in its mount namespace, in runc's order:
/// propagation, the rootfs bind, config.json's mounts, devices, links, the root switch, masks.</summary>
/// <param name="cgroupV1">the host's cgroup v1 hierarchies as the init sees them (none: cgroup v2 only)</param>
public sealed class RootfsBuilder(ISyscalls sys, InitConfig config, Action<string>? debug = null, IReadOnlyList<CgroupV1Hierarchy>? cgroupV1 = null)
{
    public void Build()
    {
        var spec = config.Spec;
        string rootfs = config.Rootfs;
        ulong propagation = spec.Linux?.RootfsPropagation is { Length: > 0 } p ? MountOptions.PropagationOf(p) : MS_SLAVE | MS_REC;
        // Nothing we mount may propagate back to the host.
        sys.Mount(null, "/", null, (propagation & MS_SHARED) != 0 ? MS_SLAVE | MS_REC : propagation, null);
        if (config.Layers is { } layers) Overlay.LayeredRootMount.Mount(sys, layers, rootfs, debug);
        sys.Mount(rootfs, rootfs, null, MS_BIND | MS_REC, null);

        var mounts = spec.Mounts ?? [];
        var ctx = new MountContext(config.Bundle, config.InUserNamespace, config.NewNetwork, config.NewIpc, config.NewCgroup, cgroupV1);
        var executor = new MountExecutor(sys, rootfs, debug);
        foreach (var step in MountPlanner.Plan(mounts, ctx, path => !sys.IsDirectory(path)))
            executor.Apply(step);
        foreach (var m in mounts.Where(m => MountPlanner.IsCgroupV1Layout(m, ctx)))
        {
            using var dir = sys.OpenInRoot(rootfs, m.Destination, leafIsFile: false);
            foreach (var (name, target) in CgroupV1Mounts.Links(cgroupV1!))
            {
                string at = $"{dir.ProcPath}/{name}";
                if (!sys.Exists(at) && !sys.IsSymlink(at)) sys.Symlink(target, at);
            }
        }

        bool devIsFresh = mounts.Any(m => m.Destination.TrimEnd('/') == "/dev" && m.Type != "bind" && !(m.Options?.Contains("bind") ?? false) && !(m.Options?.Contains("rbind") ?? false));
        if (devIsFresh)
        {
            Devices.Create(sys, rootfs, Devices.Merge(spec.Linux?.Devices), bindFromHost: config.InUserNamespace, Configured(spec));
            Devices.CreateLinks(sys, rootfs, hasPtsMount: mounts.Any(m => m.Destination.TrimEnd('/') == "/dev/pts"));
        }
        else if (spec.Linux?.Devices is { Count: > 0 } devices)
            Devices.Create(sys, rootfs, devices, bindFromHost: config.InUserNamespace, Configured(spec));
        // runc creates a missing process.cwd rather than failing on it.
        // A cwd that cannot be made (one through /proc/self/fd/N, CVE-2024-21626) is said as the field it is.
        if (spec.Process?.Cwd is { Length: > 0 } cwd)
        {
            try { sys.OpenInRoot(rootfs, cwd, leafIsFile: false).Dispose(); }
            catch (Exception e) when (e is SyscallException or IOException or UnauthorizedAccessException)
            { throw new IOException($"process.cwd {cwd}: {e.Message}", e); }
        }
    }

    static HashSet<string> Configured(Spec.OciSpec spec) => (spec.Linux?.Devices ?? []).Select(d => d.Path).ToHashSet();

    /// <summary>After the root switch: masks, read-only paths and a read-only root.</summary>
    public void Finish()
    {
        var linux = config.Spec.Linux;
        PathMasks.MakeReadonly(sys, linux?.ReadonlyPaths);
        if (linux?.MaskedPaths is { Count: > 0 } masked)
        {
            using var devNull = sys.OpenDevNull();
            PathMasks.Mask(sys, masked, devNull.ProcPath);
        }
        if (config.Spec.Root?.Readonly == true)
            sys.Mount(null, "/", null, MS_BIND | MS_REMOUNT | MS_RDONLY | MountExecutor.LockedFlags(sys.MountFlagsOf("/"), 0), null);
        if (config.Spec.Linux?.RootfsPropagation is { Length: > 0 } p)
            sys.Mount(null, "/", null, MountOptions.PropagationOf(p), null);
    }

    public void SwitchRoot()
    {
        if (config.NoPivot) RootSwitch.Chroot(sys, config.Rootfs);
        else RootSwitch.PivotRoot(sys, config.Rootfs);
    }
}
