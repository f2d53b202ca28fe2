using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>What a container sees at /sys/fs/cgroup, read from /proc/self/mountinfo inside it, next to
/// what runc shows for the same bundle: on a host with cgroup v1 hierarchies (the test machine's hybrid
/// layout) a tmpfs holding each v1 hierarchy with the mount's flags (read-only for podman's and
/// `spec`'s "ro"), and no cgroup2 "unified", as the user and as root, with and without a cgroup
/// namespace.</summary>
public sealed class CgroupMountTests
{

    [ComparedWithRuncTheory(asRoot: false)]
    [InlineData(true)]
    [InlineData(false)]
    public void Unprivileged_the_cgroup_mount_is_laid_out_as_runc_lays_it_out(bool cgroupNamespace)
    {
        using var s = new Sandbox();
        var b = CatMountinfo(s, cgroupNamespace);
        var rl = s.Rl("run", "--bundle", b.Path, s.NewId("cgmount"));
        Assert.True(rl.ExitCode == 0 && !rl.TimedOut, rl.ToString());
        var runc = RunRunc(s, b, asRoot: false);

        Assert.Equal(CgroupLayout(runc), CgroupLayout(rl.Stdout));
    }

    [ComparedWithRuncTheory(asRoot: true)]
    [InlineData(true)]
    [InlineData(false)]
    public void As_root_the_cgroup_mount_is_laid_out_as_runc_lays_it_out(bool cgroupNamespace)
    {
        using var s = new Sandbox(asRoot: true);
        var b = CatMountinfo(s, cgroupNamespace);
        var rl = s.Rl("run", "--bundle", b.Path, s.NewId("cgmount"));
        Assert.True(rl.ExitCode == 0 && !rl.TimedOut, rl.ToString());
        var runc = RunRunc(s, b, asRoot: true);

        Assert.Equal(CgroupLayout(runc), CgroupLayout(rl.Stdout));
    }

    /// <summary>Without runc to compare with: the facts the comparison stands for, on a host with v1 hierarchies.</summary>
    [V1HostUserTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void Unprivileged_a_read_only_cgroup_mount_shows_each_v1_hierarchy_read_only_and_no_cgroup2(bool cgroupNamespace)
    {
        var hostV1 = HostV1MountPoints();
        using var s = new Sandbox();
        var b = CatMountinfo(s, cgroupNamespace);
        var rl = s.Rl("run", "--bundle", b.Path, s.NewId("cgmount"));
        Assert.True(rl.ExitCode == 0 && !rl.TimedOut, rl.ToString());

        var layout = CgroupLayout(rl.Stdout);
        Assert.StartsWith("/sys/fs/cgroup tmpfs rw,", layout[0]);
        var children = layout.Skip(1).ToList();
        Assert.Equal(hostV1.Select(Path.GetFileName).Order(StringComparer.Ordinal), children.Select(c => Path.GetFileName(c.Split(' ')[0])).Order(StringComparer.Ordinal));
        Assert.All(children, c => Assert.Matches(@"^\S+ cgroup ro,", c));
    }

    /// <summary>A bundle whose process prints its mountinfo, with mappings and options runc takes as they are.</summary>
    static Bundle CatMountinfo(Sandbox s, bool cgroupNamespace) => s.NewBundle(["cat", "/proc/self/mountinfo"], c =>
    {
        var linux = c["linux"]!.AsObject();
        var namespaces = linux["namespaces"]!.AsArray();
        foreach (var ns in namespaces.Where(n => n!["type"]!.GetValue<string>() == "cgroup").ToList()) namespaces.Remove(ns);
        if (cgroupNamespace) namespaces.Add(new JsonObject { ["type"] = "cgroup" });
        if (!s.AsRoot)
        {
            // runc wants the mappings written out; one ID, so devpts goes without gid=5 (runc refuses an unmapped gid).
            linux["uidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = Host.Uid, ["size"] = 1 });
            linux["gidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = Host.Gid, ["size"] = 1 });
            foreach (var m in c["mounts"]!.AsArray())
                if (m!["options"] is JsonArray opts)
                    foreach (var o in opts.Where(o => o!.GetValue<string>().StartsWith("gid=")).ToList()) opts.Remove(o);
        }
    });

    static string RunRunc(Sandbox s, Bundle b, bool asRoot)
    {
        string root = Path.Join(s.Dir, "runc-state");
        string id = $"cgmount-runc-{Guid.NewGuid():N}"[..24];
        string[] run = ["--root", root, "run", "--bundle", b.Path, id];
        var spec = asRoot ? new ProcSpec(Harness.Runc.Path!, [.. run]) : Host.AsUser(Harness.Runc.Path!, run, Host.ShellEnv);
        try
        {
            var r = Proc.Run(spec, timeout: TimeSpan.FromSeconds(30));
            Assert.True(r.ExitCode == 0 && !r.TimedOut, $"runc: {r}");
            return r.Stdout;
        }
        finally
        {
            string[] delete = ["--root", root, "delete", "--force", id];
            Proc.Run(asRoot ? new ProcSpec(Harness.Runc.Path!, [.. delete]) : Host.AsUser(Harness.Runc.Path!, delete, Host.ShellEnv));
        }
    }

    /// <summary>The mounts a process sees at /sys/fs/cgroup: the topmost mount there, then the mounts
    /// on it, each as "MOUNT-POINT FSTYPE MOUNT-OPTIONS SUPER-OPTIONS" (no IDs, no roots: the cgroup
    /// paths differ by container).</summary>
    static List<string> CgroupLayout(string mountinfo)
    {
        var mounts = mountinfo.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToList();
        var top = mounts.LastOrDefault(m => m.MountPoint == "/sys/fs/cgroup");
        Assert.True(top is not null, $"nothing is mounted at /sys/fs/cgroup:\n{mountinfo}");
        var layout = new List<string> { top.Describe() };
        layout.AddRange(mounts.Where(m => m.Parent == top.Id).Select(m => m.Describe()).Order(StringComparer.Ordinal));
        return layout;
    }

    sealed record MountLine(string Id, string Parent, string MountPoint, string Options, string FsType, string SuperOptions)
    {
        public string Describe() => $"{MountPoint} {FsType} {Options} {SuperOptions}";
    }

    static MountLine Parse(string line)
    {
        int dash = line.IndexOf(" - ", StringComparison.Ordinal);
        var before = line[..dash].Split(' ');
        var after = line[(dash + 3)..].Split(' ');
        return new MountLine(before[0], before[1], before[4], before[5], after[0], after[2]);
    }

    internal static List<string> HostV1MountPoints() =>
        File.ReadAllLines("/proc/self/mountinfo").Select(Parse).Where(m => m.FsType == "cgroup").Select(m => m.MountPoint).Distinct().ToList();
}

/// <summary>A theory run next to runc: as the unprivileged user, or as root.</summary>
public sealed class ComparedWithRuncTheoryAttribute : TheoryAttribute
{
    public ComparedWithRuncTheoryAttribute(bool asRoot)
    {
        if (asRoot && !Host.IsRoot) Skip = "requires root: the test process is not root";
        else if (!asRoot && !Host.Unprivileged) Skip = "requires an unprivileged user: the tests run as root and RLRUN_TEST_USER is not set";
        else if (Harness.Runc.Path is null) Skip = "runc is not installed (apt-get install runc): it is the reference layout";
    }
}

/// <summary>UserTheory on a host with cgroup v1 hierarchies (legacy or hybrid).</summary>
public sealed class V1HostUserTheoryAttribute : TheoryAttribute
{
    public V1HostUserTheoryAttribute()
    {
        if (!Host.Unprivileged) Skip = "requires an unprivileged user: the tests run as root and RLRUN_TEST_USER is not set";
        else if (CgroupMountTests.HostV1MountPoints().Count == 0) Skip = "the host has no cgroup v1 hierarchy (cgroup v2 only): a cgroup mount is cgroup2 there";
    }
}
