using Rlrun.Runtime.Rootfs;
using Rlrun.Runtime.Spec;
using Rlrun.UnitTests.Fakes;
using Xunit;
using static Rlrun.Runtime.Interop.FileCalls;
using static Rlrun.Runtime.Interop.MountCalls;

namespace Rlrun.UnitTests.Rootfs;

public class DevicesTests
{
    const string Root = "/rootfs";
    readonly RecordingSyscalls _sys = new();

    static readonly string[] DefaultPaths = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"];

    [Fact]
    public void Merge_without_config_devices_gives_the_defaults()
    {
        Assert.Equal(DefaultPaths, Devices.Merge(null).Select(d => d.Path));
    }

    [Fact]
    public void A_config_device_overrides_the_default_of_the_same_path()
    {
        var mine = new SpecDevice { Type = "c", Path = "/dev/null", Major = 1, Minor = 3, FileMode = 0x180, Uid = 7 };
        var merged = Devices.Merge([mine, new SpecDevice { Type = "c", Path = "/dev/fuse", Major = 10, Minor = 229 }]);

        Assert.Equal(DefaultPaths.Length + 1, merged.Count);
        Assert.Same(mine, merged.Single(d => d.Path == "/dev/null"));
        Assert.Contains(merged, d => d.Path == "/dev/fuse");
        // The shared defaults are not changed by a merge.
        Assert.Equal(0x1b6u, Devices.Defaults.Single(d => d.Path == "/dev/null").FileMode);
    }

    [Fact]
    public void In_a_user_namespace_host_nodes_are_bound_instead_of_made()
    {
        _sys.Existing.UnionWith(["/dev/null", "/dev/zero"]);

        Devices.Create(_sys, Root, Devices.Merge(null), bindFromHost: true);

        Assert.Equal([
            new SysCall("mount", "/dev/null", "/rootfs/dev/null", null, MS_BIND, null),
            new SysCall("mount", "/dev/zero", "/rootfs/dev/zero", null, MS_BIND, null),
        ], _sys.Mounts);
        Assert.Equal(["/rootfs|/dev/null", "/rootfs|/dev/zero"], _sys.FileLeaves);
        Assert.Empty(_sys.Named("mknod"));
        Assert.Empty(_sys.Named("chown"));
        Assert.Equal(0, _sys.OpenHandles);
    }

    [Fact]
    public void As_root_nodes_are_made_with_their_numbers_and_owned()
    {
        var devices = new[]
        {
            new SpecDevice { Type = "c", Path = "/dev/null", Major = 1, Minor = 3, FileMode = 0x1b6 },
            new SpecDevice { Type = "b", Path = "/dev/loop0", Major = 7, Minor = 0, FileMode = 0x1b0, Uid = 5, Gid = 6 },
            new SpecDevice { Type = "p", Path = "/dev/pipe", Major = 0, Minor = 0 },
        };

        Devices.Create(_sys, Root, devices, bindFromHost: false);

        Assert.Equal([
            new SysCall("mknod", "/rootfs/dev/null", S_IFCHR | 0x1b6u, Makedev(1, 3)),
            new SysCall("mknod", "/rootfs/dev/loop0", S_IFBLK | 0x1b0u, Makedev(7, 0)),
            new SysCall("mknod", "/rootfs/dev/pipe", S_IFIFO | 0x1b6u, Makedev(0, 0)),
        ], _sys.Named("mknod"));
        Assert.Equal([
            new SysCall("chown", "/rootfs/dev/null", 0u, 0u),
            new SysCall("chown", "/rootfs/dev/loop0", 5u, 6u),
            new SysCall("chown", "/rootfs/dev/pipe", 0u, 0u),
        ], _sys.Named("chown"));
        Assert.Empty(_sys.Mounts);
        Assert.Equal(0, _sys.OpenHandles);
    }

    [Fact]
    public void Mknod_resolves_the_parent_inside_the_rootfs()
    {
        Devices.Create(_sys, Root, [new SpecDevice { Type = "c", Path = "/dev/net/tun", Major = 10, Minor = 200 }], bindFromHost: false);
        Assert.Contains(new SysCall("open_in_root", Root, "/dev/net", false), _sys.Calls);
        Assert.Equal("/rootfs/dev/net/tun", _sys.Named("mknod").Single().Arg<string>(0));
    }

    [Fact]
    public void An_existing_node_is_left_alone()
    {
        _sys.Existing.Add("/rootfs/dev/null");
        Devices.Create(_sys, Root, Devices.Merge(null), bindFromHost: false);
        Assert.DoesNotContain(_sys.Named("mknod"), c => c.Arg<string>(0) == "/rootfs/dev/null");
        Assert.Equal(DefaultPaths.Length - 1, _sys.Named("mknod").Count());
    }

    [Fact]
    public void Makedev_uses_the_kernels_encoding()
    {
        Assert.Equal(0x103UL, Makedev(1, 3));
        ulong dev = Makedev(4097, 300);
        Assert.Equal(4097u, Major(dev));
        Assert.Equal(300u, Minor(dev));
    }

    [Fact]
    public void Links_with_a_pts_mount_include_ptmx()
    {
        Devices.CreateLinks(_sys, Root, hasPtsMount: true);

        Assert.Equal([
            new SysCall("symlink", "/proc/self/fd", "/rootfs/dev/fd"),
            new SysCall("symlink", "/proc/self/fd/0", "/rootfs/dev/stdin"),
            new SysCall("symlink", "/proc/self/fd/1", "/rootfs/dev/stdout"),
            new SysCall("symlink", "/proc/self/fd/2", "/rootfs/dev/stderr"),
            new SysCall("symlink", "pts/ptmx", "/rootfs/dev/ptmx"),
        ], _sys.Named("symlink"));
        Assert.Equal(0, _sys.OpenHandles);
    }

    [Fact]
    public void Links_without_a_pts_mount_leave_out_ptmx()
    {
        Devices.CreateLinks(_sys, Root, hasPtsMount: false);
        var links = _sys.Named("symlink").Select(c => c.Arg<string>(1)).ToList();
        Assert.Equal(["/rootfs/dev/fd", "/rootfs/dev/stdin", "/rootfs/dev/stdout", "/rootfs/dev/stderr"], links);
    }

    [Fact]
    public void Existing_links_and_files_are_not_replaced()
    {
        _sys.Symlinks.Add("/rootfs/dev/stdin");
        _sys.Existing.Add("/rootfs/dev/fd");
        Devices.CreateLinks(_sys, Root, hasPtsMount: true);
        var links = _sys.Named("symlink").Select(c => c.Arg<string>(1)).ToList();
        Assert.Equal(["/rootfs/dev/stdout", "/rootfs/dev/stderr", "/rootfs/dev/ptmx"], links);
    }
}
