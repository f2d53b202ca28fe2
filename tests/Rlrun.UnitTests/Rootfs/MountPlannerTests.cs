using Rlrun.Runtime.Cgroups;
using Rlrun.Runtime.Rootfs;
using Rlrun.Runtime.Spec;
using Rlrun.UnitTests.Support;
using Xunit;
using static Rlrun.Runtime.Interop.MountCalls;

namespace Rlrun.UnitTests.Rootfs;

public class MountPlannerTests
{
    static readonly ulong HostBindFlags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;

    static MountContext Ctx(bool userNs = true, bool net = false, bool ipc = false, bool cgroup = false) =>
        new("/bundles/web", userNs, net, ipc, cgroup);

    static MountStep PlanOne(SpecMount m, MountContext ctx) => MountPlanner.PlanOne(m, ctx, _ => false);

    static SpecMount DefaultMount(string destination) => Specs.Default().Mounts!.Single(m => m.Destination == destination);

    [Theory]
    [InlineData("data", "/bundles/web/data")]
    [InlineData("./etc/hosts", "/bundles/web/etc/hosts")]
    [InlineData("../shared/cache", "/bundles/shared/cache")]
    public void A_relative_bind_source_is_resolved_against_the_bundle(string source, string expected)
    {
        var step = PlanOne(new SpecMount { Destination = "/data", Type = "bind", Source = source, Options = ["rbind", "ro"] }, Ctx());
        Assert.Equal(expected, step.Source);
        Assert.True(step.Bind);
        Assert.True(step.Recursive);
        Assert.Equal(MS_RDONLY, step.Flags);
        Assert.Null(step.FsType);
    }

    [Fact]
    public void An_absolute_bind_source_is_kept_and_asked_whether_it_is_a_file()
    {
        var asked = new List<string>();
        var step = MountPlanner.PlanOne(new SpecMount { Destination = "/etc/resolv.conf", Source = "/etc/resolv.conf", Options = ["bind"] },
            Ctx(), p => { asked.Add(p); return true; });
        Assert.Equal("/etc/resolv.conf", step.Source);
        Assert.Equal(["/etc/resolv.conf"], asked);
        Assert.True(step.SourceIsFile);
        Assert.False(step.Recursive);
    }

    [Fact]
    public void The_file_question_is_asked_of_the_resolved_source()
    {
        var asked = new List<string>();
        MountPlanner.PlanOne(new SpecMount { Destination = "/x", Type = "bind", Source = "files/x" }, Ctx(), p => { asked.Add(p); return false; });
        Assert.Equal(["/bundles/web/files/x"], asked);
    }

    [Fact]
    public void A_bind_without_a_source_is_a_spec_error_naming_the_destination()
    {
        var e = Assert.Throws<SpecError>(() => PlanOne(new SpecMount { Destination = "/data", Options = ["rbind"] }, Ctx()));
        Assert.Contains("/data", e.Message);
    }

    [Fact]
    public void Sysfs_in_a_user_namespace_without_a_network_namespace_is_a_read_only_bind_of_sys()
    {
        var step = PlanOne(DefaultMount("/sys"), Ctx(userNs: true, net: false));

        Assert.True(step.Bind);
        Assert.True(step.Recursive);
        Assert.Equal("/sys", step.Source);
        Assert.Equal("/sys", step.Destination);
        Assert.Null(step.FsType);
        Assert.Equal(HostBindFlags, step.Flags & HostBindFlags);
        Assert.Null(step.Fallback);
        Assert.NotNull(step.Note);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Sysfs_with_a_network_namespace_or_as_root_is_mounted_with_the_bind_as_fallback(bool userNs)
    {
        var step = PlanOne(DefaultMount("/sys"), Ctx(userNs: userNs, net: userNs));

        Assert.False(step.Bind);
        Assert.Equal("sysfs", step.FsType);
        Assert.Equal("sysfs", step.Source);
        Assert.Equal(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, step.Flags);
        var fallback = Assert.IsType<MountStep>(step.Fallback);
        Assert.True(fallback.Bind);
        Assert.True(fallback.Recursive);
        Assert.Equal("/sys", fallback.Source);
        Assert.Equal(HostBindFlags, fallback.Flags & HostBindFlags);
    }

    /// <summary>An IPC namespace that is not new may be a pod's, joined by path: its owner may mount
    /// mqueue there, so it is mounted fresh (as runc does); the bind is only the fallback.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Mqueue_without_a_new_ipc_namespace_is_still_mounted_fresh_with_a_writable_bind_fallback(bool userNs)
    {
        var step = PlanOne(DefaultMount("/dev/mqueue"), Ctx(userNs: userNs, ipc: false));
        Assert.False(step.Bind);
        Assert.Equal("mqueue", step.FsType);
        var fallback = step.Fallback!;
        Assert.True(fallback.Bind);
        Assert.Equal("/dev/mqueue", fallback.Source);
        Assert.Equal(0UL, fallback.Flags & MS_RDONLY);
    }

    [Fact]
    public void Mqueue_with_an_ipc_namespace_is_mounted_with_a_bind_fallback()
    {
        var step = PlanOne(DefaultMount("/dev/mqueue"), Ctx(ipc: true));
        Assert.Equal("mqueue", step.FsType);
        Assert.Equal("/dev/mqueue", step.Fallback!.Source);
        Assert.True(step.Fallback.Bind);
    }

    [Fact]
    public void Cgroup_with_a_cgroup_namespace_is_a_fresh_cgroup2_mount()
    {
        var step = PlanOne(DefaultMount("/sys/fs/cgroup"), Ctx(cgroup: true));
        Assert.False(step.Bind);
        Assert.Equal("cgroup2", step.FsType);
        Assert.Equal("cgroup2", step.Source);
        Assert.Null(step.Data);
        Assert.Equal(MS_RDONLY, step.Flags & MS_RDONLY);
        Assert.Equal("/sys/fs/cgroup", step.Fallback!.Source);
        Assert.True(step.Fallback.Bind);
        Assert.Equal(MS_RDONLY, step.Fallback.Flags & MS_RDONLY);
    }

    [Fact]
    public void Cgroup_without_a_cgroup_namespace_binds_the_hosts_cgroup_tree_read_only()
    {
        var step = PlanOne(DefaultMount("/sys/fs/cgroup"), Ctx(cgroup: false));
        Assert.True(step.Bind);
        Assert.True(step.Recursive);
        Assert.Equal("/sys/fs/cgroup", step.Source);
        Assert.Equal(HostBindFlags, step.Flags & HostBindFlags);
        Assert.Null(step.Fallback);
    }

    // -------- cgroup on a host with cgroup v1 hierarchies (the test machine's hybrid layout) --------

    static readonly CgroupV1Hierarchy[] V1 =
    [
        new("/sys/fs/cgroup/cpu,cpuacct", "/", "cpu,cpuacct", "/user.slice"),
        new("/sys/fs/cgroup/memory", "/", "memory", "/user.slice/user-1001.slice"),
        new("/sys/fs/cgroup/systemd", "/", "name=systemd", "/user.slice/user-1001.slice/session-3.scope"),
    ];

    static MountContext V1Ctx(bool cgroupNs) => new("/bundles/web", true, true, true, cgroupNs, V1);

    static List<MountStep> PlanAll(SpecMount m, MountContext ctx) => MountPlanner.Plan([m], ctx, _ => false);

    /// <summary>runc's layout: a tmpfs that is not read-only, then each v1 hierarchy with the mount's
    /// flags (ro here), and no cgroup2 "unified" (the old rbind of /sys/fs/cgroup showed it, writable v1
    /// hierarchies under a read-only tmpfs).</summary>
    [Fact]
    public void Cgroup_on_a_v1_host_without_a_cgroup_namespace_is_a_tmpfs_and_a_read_only_bind_of_each_hierarchy()
    {
        var steps = PlanAll(DefaultMount("/sys/fs/cgroup"), V1Ctx(cgroupNs: false));

        Assert.Equal(new MountStep("/sys/fs/cgroup", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755"), steps[0]);
        Assert.Equal(["/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/systemd"], steps.Skip(1).Select(s => s.Destination));
        Assert.Equal(["/sys/fs/cgroup/cpu,cpuacct/user.slice", "/sys/fs/cgroup/memory/user.slice/user-1001.slice",
            "/sys/fs/cgroup/systemd/user.slice/user-1001.slice/session-3.scope"], steps.Skip(1).Select(s => s.Source));
        foreach (var bind in steps.Skip(1))
        {
            Assert.True(bind.Bind && bind.Recursive);
            Assert.Equal(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, bind.Flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC));
            Assert.Null(bind.Fallback);
        }
        Assert.DoesNotContain(steps, s => s.FsType == "cgroup2" || s.Destination.EndsWith("/unified"));
    }

    [Fact]
    public void Cgroup_on_a_v1_host_in_a_cgroup_namespace_mounts_each_hierarchy_fresh_with_a_bind_fallback()
    {
        var steps = PlanAll(DefaultMount("/sys/fs/cgroup"), V1Ctx(cgroupNs: true));

        Assert.Equal("tmpfs", steps[0].FsType);
        Assert.Equal(0UL, steps[0].Flags & MS_RDONLY);
        var fresh = steps.Skip(1).ToList();
        Assert.All(fresh, s => Assert.Equal("cgroup", s.FsType));
        Assert.Equal(["cpu,cpuacct", "memory", "name=systemd"], fresh.Select(s => s.Data));
        Assert.All(fresh, s => Assert.Equal(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, s.Flags));
        Assert.Equal("/sys/fs/cgroup/memory/user.slice/user-1001.slice", fresh[1].Fallback!.Source);
        Assert.True(fresh[1].Fallback!.Bind);
    }

    [Fact]
    public void A_cgroup_mount_without_ro_on_a_v1_host_leaves_the_hierarchies_writable()
    {
        var m = new SpecMount { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["nosuid", "noexec", "nodev", "rw"] };
        foreach (var cgroupNs in new[] { true, false })
            Assert.All(PlanAll(m, V1Ctx(cgroupNs)), s => Assert.Equal(0UL, s.Flags & MS_RDONLY));
    }

    [Fact]
    public void A_cgroup2_mount_on_a_v1_host_stays_a_cgroup2_mount()
    {
        var m = new SpecMount { Destination = "/sys/fs/cgroup", Type = "cgroup2", Source = "cgroup2", Options = ["ro"] };
        var step = Assert.Single(PlanAll(m, V1Ctx(cgroupNs: true)));
        Assert.Equal("cgroup2", step.FsType);
    }

    [Fact]
    public void A_cgroup_mount_on_a_cgroup2_only_host_is_the_cgroup2_tree()
    {
        var ctx = new MountContext("/bundles/web", true, true, true, true, []);
        var step = Assert.Single(PlanAll(DefaultMount("/sys/fs/cgroup"), ctx));
        Assert.Equal("cgroup2", step.FsType);
    }

    [Fact]
    public void A_hierarchy_of_two_controllers_gets_a_link_per_controller()
    {
        Assert.Equal([("cpu", "cpu,cpuacct"), ("cpuacct", "cpu,cpuacct")], CgroupV1Mounts.Links(V1));
    }

    [Fact]
    public void Devpts_with_gid_falls_back_to_the_same_mount_without_gid()
    {
        var step = PlanOne(DefaultMount("/dev/pts"), Ctx());

        Assert.Equal("devpts", step.FsType);
        Assert.Equal("newinstance,ptmxmode=0666,mode=0620,gid=5", step.Data);
        var fallback = step.Fallback!;
        Assert.Equal("devpts", fallback.FsType);
        Assert.Equal("devpts", fallback.Source);
        Assert.Equal("/dev/pts", fallback.Destination);
        Assert.Equal("newinstance,ptmxmode=0666,mode=0620", fallback.Data);
        Assert.Equal(step.Flags, fallback.Flags);
        Assert.Null(fallback.Fallback);
    }

    [Fact]
    public void Devpts_with_only_gid_falls_back_to_no_data()
    {
        var step = PlanOne(new SpecMount { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["gid=5"] }, Ctx());
        Assert.Null(step.Fallback!.Data);
    }

    [Fact]
    public void Devpts_without_gid_has_no_fallback()
    {
        var step = PlanOne(new SpecMount { Destination = "/dev/pts", Type = "devpts", Options = ["newinstance"] }, Ctx());
        Assert.Null(step.Fallback);
        Assert.Equal("devpts", step.Source); // the type stands in for a missing source
    }

    [Fact]
    public void A_tmpfs_keeps_its_data_and_flags()
    {
        var step = PlanOne(DefaultMount("/dev"), Ctx());
        Assert.Equal(new MountStep("/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"), step);
    }

    [Fact]
    public void Plan_keeps_the_configs_order()
    {
        var mounts = Specs.Default().Mounts!;
        var steps = MountPlanner.Plan(mounts, Ctx(net: true, ipc: true, cgroup: true), _ => false);
        Assert.Equal(mounts.Select(m => m.Destination), steps.Select(s => s.Destination));
    }
}
