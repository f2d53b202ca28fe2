using Rlrun.Runtime.Spec;
using static Rlrun.Runtime.Interop.MountCalls;

namespace Rlrun.Runtime.Rootfs;

/// <summary>Turns config.json's mounts into MountSteps: no system calls, so every decision here is
/// unit-tested.</summary>
public static class MountPlanner
{
    public static List<MountStep> Plan(IEnumerable<SpecMount> mounts, MountContext ctx, Func<string, bool> isFile)
    {
        var steps = new List<MountStep>();
        foreach (var m in mounts)
        {
            if (IsCgroupV1Layout(m, ctx)) steps.AddRange(CgroupV1Mounts.Plan(m.Destination, MountOptions.Parse(m.Options, m.Type), ctx.NewCgroupNamespace, ctx.CgroupV1!));
            else steps.Add(PlanOne(m, ctx, isFile));
        }
        return steps;
    }

    /// <summary>A "cgroup" mount (not "cgroup2", not a bind) on a host with v1 hierarchies: runc shows
    /// those, in a tmpfs, rather than the cgroup2 tree (see CgroupV1Mounts).</summary>
    public static bool IsCgroupV1Layout(SpecMount m, MountContext ctx) =>
        m.Type == "cgroup" && ctx.CgroupV1 is { Count: > 0 } && !MountOptions.Parse(m.Options, m.Type).Bind;

    public static MountStep PlanOne(SpecMount m, MountContext ctx, Func<string, bool> isFile)
    {
        var o = MountOptions.Parse(m.Options, m.Type);
        string dest = m.Destination;
        if (o.Bind)
        {
            string source = m.Source ?? throw new SpecError($"mount {dest}: a bind mount needs a source");
            if (!source.StartsWith('/')) source = Path.GetFullPath(Path.Combine(ctx.BundlePath, source));
            return new MountStep(dest, source, null, o.Flags, o.Data, Bind: true, Recursive: o.Recursive,
                Propagation: o.Propagation, SourceIsFile: isFile(source));
        }
        switch (m.Type)
        {
            case "sysfs" when !ctx.NewNetworkNamespace && ctx.InUserNamespace:
                // The kernel refuses sysfs to a user namespace that does not own the network namespace.
                return HostBind(dest, "/sys", o, "sysfs refused without a network namespace of our own: bound /sys read-only");
            case "sysfs":
                return Fs(m, o) with { Fallback = HostBind(dest, "/sys", o, "sysfs refused: bound /sys read-only") };
            case "mqueue":
                // Whoever owns the IPC namespace's user namespace may mount mqueue: in a new IPC namespace,
                // and in one joined from a pod's other container, it is a fresh mount, as with runc. The
                // host's /dev/mqueue is bound only where the kernel refuses (the host's IPC namespace seen
                // from a user namespace), and only if there is one (the executor checks).
                return Fs(m, o) with { Fallback = HostBind(dest, "/dev/mqueue", o, "mqueue refused: bound /dev/mqueue", readOnly: false) };
            case "cgroup" or "cgroup2":
                // A cgroup v2 only host, or "cgroup2" asked for: a fresh cgroup2 mount shows the container's own cgroup as the root.
                var cg = new MountStep(dest, "cgroup2", "cgroup2", o.Flags, null, Propagation: o.Propagation);
                return ctx.NewCgroupNamespace
                    ? cg with { Fallback = HostBind(dest, "/sys/fs/cgroup", o, "cgroup2 refused: bound /sys/fs/cgroup read-only") }
                    : HostBind(dest, "/sys/fs/cgroup", o, null);
            case "devpts" when o.Data is { } data && data.Contains("gid="):
                // gid=5 fails where group 5 is not mapped (a single-ID user namespace): retry without it.
                var without = string.Join(',', data.Split(',').Where(d => !d.StartsWith("gid=")));
                return Fs(m, o) with { Fallback = Fs(m, o with { Data = without.Length > 0 ? without : null }) with { Note = "devpts refused gid=: mounted without it" } };
            default:
                return Fs(m, o);
        }
    }

    static MountStep Fs(SpecMount m, MountOptions o) =>
        new(m.Destination, m.Source ?? m.Type, m.Type, o.Flags, o.Data, Propagation: o.Propagation);

    static MountStep HostBind(string dest, string hostPath, MountOptions o, string? note, bool readOnly = true) =>
        new(dest, hostPath, null, o.Flags | (readOnly ? MS_RDONLY : 0) | MS_NOSUID | MS_NODEV | MS_NOEXEC, null,
            Bind: true, Recursive: true, Propagation: o.Propagation, Note: note);
}
