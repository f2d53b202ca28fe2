using Rlrun.Runtime.Cgroups;
using static Rlrun.Runtime.Interop.MountCalls;

namespace Rlrun.Runtime.Rootfs;

/// <summary>A "cgroup" mount on a host with cgroup v1 hierarchies, laid out as runc lays it out: a
/// tmpfs (never read-only) holding one mount per v1 hierarchy, with the mount's own flags (so "ro"
/// makes each hierarchy read-only), and no cgroup2 (runc shows none on a hybrid host). In a cgroup
/// namespace of ours each hierarchy is mounted fresh, its root the container's cgroup; else the
/// process's own cgroup in it is bound. A hierarchy of several controllers ("cpu,cpuacct") gets a
/// link per controller.</summary>
public static class CgroupV1Mounts
{
    // runc's tmpfs and fresh cgroup mounts carry these whatever the config says.
    static readonly ulong Defaults = MS_NOSUID | MS_NODEV | MS_NOEXEC;

    public static IEnumerable<MountStep> Plan(string destination, MountOptions o, bool newCgroupNamespace, IReadOnlyList<CgroupV1Hierarchy> hierarchies)
    {
        yield return new MountStep(destination, "tmpfs", "tmpfs", Defaults, "mode=755", Propagation: o.Propagation);
        foreach (var h in hierarchies)
        {
            string dest = DestinationOf(destination, h);
            var bind = new MountStep(dest, h.OwnCgroupDir, null, o.Flags, null, Bind: true, Recursive: true, Propagation: o.Propagation);
            yield return newCgroupNamespace
                ? new MountStep(dest, h.Controllers.StartsWith("name=") ? h.Controllers[5..] : "cgroup", "cgroup", Defaults | (o.Flags & MS_RDONLY), h.Controllers, Propagation: o.Propagation,
                    Fallback: bind with { Note = $"cgroup {h.Controllers} refused: bound {h.OwnCgroupDir}" })
                : bind;
        }
    }

    /// <summary>(name, target) of the links in the tmpfs: cpu -> cpu,cpuacct and cpuacct -> cpu,cpuacct.</summary>
    public static IEnumerable<(string Name, string Target)> Links(IReadOnlyList<CgroupV1Hierarchy> hierarchies)
    {
        foreach (var h in hierarchies)
        {
            string name = Path.GetFileName(h.MountPoint.TrimEnd('/'));
            if (!name.Contains(',')) continue;
            foreach (var controller in name.Split(','))
                if (controller.Length > 0) yield return (controller, name);
        }
    }

    static string DestinationOf(string destination, CgroupV1Hierarchy h) =>
        Path.Join(destination, Path.GetFileName(h.MountPoint.TrimEnd('/')));
}
