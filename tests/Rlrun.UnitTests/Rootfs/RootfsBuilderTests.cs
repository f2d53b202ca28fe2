using Rlrun.Runtime.Cgroups;
using Rlrun.Runtime.Process;
using Rlrun.Runtime.Rootfs;
using Rlrun.Runtime.Spec;
using Rlrun.UnitTests.Fakes;
using Rlrun.UnitTests.Support;
using Xunit;
using static Rlrun.Runtime.Interop.MountCalls;

namespace Rlrun.UnitTests.Rootfs;

public class RootfsBuilderTests
{
    const string Bundle = "/run/b";
    const string Root = "/run/b/rootfs";
    readonly RecordingSyscalls _sys = new();

    static InitConfig Config(OciSpec spec, bool userNs = true) => new()
    {
        Spec = spec, Rootfs = Root, Bundle = Bundle,
        InUserNamespace = userNs, NewNetwork = true, NewIpc = true, NewCgroup = true,
    };

    void Build(InitConfig config) => new RootfsBuilder(_sys, config).Build();

    [Fact]
    public void Build_first_makes_root_rslave_then_binds_the_rootfs_onto_itself()
    {
        Build(Config(Specs.Default(true)));

        Assert.Equal(new SysCall("mount", null, "/", null, MS_SLAVE | MS_REC, null), _sys.Calls[0]);
        Assert.Equal(new SysCall("mount", Root, Root, null, MS_BIND | MS_REC, null), _sys.Calls[1]);
    }

    [Fact]
    public void Build_mounts_the_configs_mounts_in_order_inside_the_rootfs()
    {
        var spec = Specs.Default(true);
        Build(Config(spec));

        var firstTargets = _sys.Mounts.Skip(2).Select(m => m.Arg<string>(1)).Where(t => t.StartsWith(Root)).Distinct().ToList();
        var expected = spec.Mounts!.Select(m => RecordingSyscalls.InRoot(Root, m.Destination)).ToList();
        Assert.Equal(expected, firstTargets.Take(expected.Count));
        Assert.Contains(new SysCall("mount", "proc", Root + "/proc", "proc", 0UL, null), _sys.Mounts);
        Assert.Equal(0, _sys.OpenHandles);
    }

    [Fact]
    public void In_a_user_namespace_a_fresh_dev_gets_bound_host_nodes_and_the_links()
    {
        _sys.Existing.UnionWith(["/dev/null", "/dev/tty"]);
        Build(Config(Specs.Default(true)));

        var calls = _sys.Calls;
        int devTmpfs = calls.FindIndex(c => c.Name == "mount" && (string?)c.Args[2] == "tmpfs" && c.Arg<string>(1) == Root + "/dev");
        int nullBind = calls.IndexOf(new SysCall("mount", "/dev/null", Root + "/dev/null", null, MS_BIND, null));
        Assert.InRange(devTmpfs, 0, int.MaxValue);
        Assert.True(nullBind > devTmpfs, "devices come after the /dev mount");
        Assert.Contains(new SysCall("mount", "/dev/tty", Root + "/dev/tty", null, MS_BIND, null), calls);
        Assert.Empty(_sys.Named("mknod"));
        Assert.Contains(new SysCall("symlink", "pts/ptmx", Root + "/dev/ptmx"), calls);
        Assert.Contains(new SysCall("symlink", "/proc/self/fd", Root + "/dev/fd"), calls);
    }

    [Fact]
    public void As_root_a_fresh_dev_gets_made_nodes_including_the_configs()
    {
        var spec = Specs.Default(false);
        spec.Linux!.Devices = [new SpecDevice { Type = "c", Path = "/dev/fuse", Major = 10, Minor = 229 }];
        Build(Config(spec, userNs: false));

        var made = _sys.Named("mknod").Select(c => c.Arg<string>(0)).ToList();
        Assert.Contains(Root + "/dev/null", made);
        Assert.Contains(Root + "/dev/fuse", made);
        Assert.Equal(7, made.Count);
    }

    [Fact]
    public void Without_a_dev_mount_only_the_configs_devices_are_made_and_no_links()
    {
        var spec = Specs.Minimal("mount");
        spec.Mounts = [new SpecMount { Destination = "/proc", Type = "proc", Source = "proc" }];
        spec.Linux!.Devices = [new SpecDevice { Type = "c", Path = "/dev/fuse", Major = 10, Minor = 229 }];
        Build(Config(spec, userNs: false));

        Assert.Equal([Root + "/dev/fuse"], _sys.Named("mknod").Select(c => c.Arg<string>(0)));
        Assert.Empty(_sys.Named("symlink"));
    }

    [Fact]
    public void A_bound_dev_is_not_filled_with_default_nodes()
    {
        var spec = Specs.Minimal("mount");
        spec.Mounts = [new SpecMount { Destination = "/dev", Type = "bind", Source = "/dev", Options = ["rbind"] }];
        Build(Config(spec, userNs: false));

        Assert.Empty(_sys.Named("mknod"));
        Assert.Empty(_sys.Named("symlink"));
    }

    [Fact]
    public void A_missing_cwd_is_created_inside_the_rootfs()
    {
        var spec = Specs.Minimal("mount");
        spec.Process!.Cwd = "/work/dir";
        Build(Config(spec));
        Assert.Equal(new SysCall("open_in_root", Root, "/work/dir", false), _sys.Calls[^1]);
        Assert.Equal(0, _sys.OpenHandles);
    }

    // Tmds.LibC's constants are not const: theory data from a member, not attributes.
    public static TheoryData<string, ulong> Root_propagation_follows_the_config_but_never_shares_back_Cases => new()
    {
        { "private", MS_PRIVATE },
        { "rslave", MS_SLAVE | MS_REC },
        { "shared", MS_SLAVE | MS_REC },
        { "rshared", MS_SLAVE | MS_REC },
    };

    [Theory]
    [MemberData(nameof(Root_propagation_follows_the_config_but_never_shares_back_Cases))]
    public void Root_propagation_follows_the_config_but_never_shares_back(string propagation, ulong expected)
    {
        var spec = Specs.Minimal("mount");
        spec.Linux!.RootfsPropagation = propagation;
        Build(Config(spec));
        Assert.Equal(new SysCall("mount", null, "/", null, expected, null), _sys.Calls[0]);
    }

    [Fact]
    public void Finish_sets_read_only_paths_then_masks_then_a_read_only_root()
    {
        var spec = Specs.Minimal("mount");
        spec.Root!.Readonly = true;
        spec.Linux!.ReadonlyPaths = ["/proc/sys"];
        spec.Linux.MaskedPaths = ["/proc/kcore"];
        spec.Linux.RootfsPropagation = "rshared";
        _sys.StatFsFlags["/"] = ST_NODEV;

        new RootfsBuilder(_sys, Config(spec)).Finish();

        Assert.Equal([
            new SysCall("mount", "/proc/sys", "/proc/sys", null, MS_BIND | MS_REC, null),
            new SysCall("mount", null, "/proc/sys", null, MS_BIND | MS_REMOUNT | MS_RDONLY, null),
            new SysCall("mount", "/dev/null", "/proc/kcore", null, MS_BIND, null),
            new SysCall("mount", null, "/", null, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NODEV, null),
            new SysCall("mount", null, "/", null, MS_SHARED | MS_REC, null),
        ], _sys.Mounts);
    }

    [Fact]
    public void Finish_leaves_a_writable_root_alone()
    {
        new RootfsBuilder(_sys, Config(Specs.Minimal("mount"))).Finish();
        Assert.Empty(_sys.Mounts);
    }

    [Theory]
    [InlineData(true, "chroot")]
    [InlineData(false, "pivot_root")]
    public void SwitchRoot_pivots_unless_told_not_to(bool noPivot, string expected)
    {
        var config = Config(Specs.Minimal("mount"));
        config.NoPivot = noPivot;
        new RootfsBuilder(_sys, config).SwitchRoot();
        Assert.Single(_sys.Named(expected));
        Assert.Empty(_sys.Named(noPivot ? "pivot_root" : "chroot"));
    }

    [Fact]
    public void A_cgroup_mount_on_a_v1_host_links_each_controller_of_a_merged_hierarchy_inside_its_tmpfs()
    {
        CgroupV1Hierarchy[] v1 = [new("/sys/fs/cgroup/cpu,cpuacct", "/", "cpu,cpuacct", "/"), new("/sys/fs/cgroup/memory", "/", "memory", "/")];
        new RootfsBuilder(_sys, Config(Specs.Default(true)), cgroupV1: v1).Build();

        var cgroupMounts = _sys.Mounts.Where(m => m.Arg<string>(1).StartsWith(Root + "/sys/fs/cgroup")).Select(m => (m.Arg<string>(1), m.Arg<string?>(2))).ToList();
        Assert.Equal((Root + "/sys/fs/cgroup", "tmpfs"), cgroupMounts[0]);
        Assert.Contains((Root + "/sys/fs/cgroup/cpu,cpuacct", "cgroup"), cgroupMounts);
        Assert.Contains((Root + "/sys/fs/cgroup/memory", "cgroup"), cgroupMounts);
        Assert.Contains(new SysCall("symlink", "cpu,cpuacct", Root + "/sys/fs/cgroup/cpu"), _sys.Calls);
        Assert.Contains(new SysCall("symlink", "cpu,cpuacct", Root + "/sys/fs/cgroup/cpuacct"), _sys.Calls);
        Assert.Equal(0, _sys.OpenHandles);
    }
}
