using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Rootfs;
using Rlrun.Runtime.Spec;
using Rlrun.UnitTests.Fakes;
using Xunit;
using static Rlrun.Runtime.Interop.MountCalls;

namespace Rlrun.UnitTests.Rootfs;

public class MountExecutorTests
{
    const string Root = "/rootfs";
    readonly RecordingSyscalls _sys = new();
    readonly List<string> _debug = [];

    MountExecutor Executor() => new(_sys, Root, _debug.Add);

    static MountStep Planned(SpecMount m, bool userNs = true, bool net = true) =>
        MountPlanner.PlanOne(m, new MountContext("/bundle", userNs, net, true, true), _ => false);

    static readonly SpecMount Sysfs = new() { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", "ro"] };

    [Fact]
    public void A_filesystem_mount_is_one_mount_on_the_resolved_target()
    {
        Executor().Apply(new MountStep("/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755"));

        Assert.Equal([
            new SysCall("open_in_root", Root, "/dev", false),
            new SysCall("mount", "tmpfs", "/rootfs/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755"),
        ], _sys.Calls);
        Assert.Equal(0, _sys.OpenHandles);
    }

    [Fact]
    public void A_read_only_bind_is_a_bind_then_a_remount_repeating_the_locked_flags()
    {
        _sys.StatFsFlags["/rootfs/data"] = ST_NOSUID | ST_NODEV | ST_RELATIME;
        var step = Planned(new SpecMount { Destination = "/data", Type = "bind", Source = "/srv/data", Options = ["rbind", "ro"] });

        Executor().Apply(step);

        var mounts = _sys.Mounts;
        Assert.Equal(2, mounts.Count);
        Assert.Equal(new SysCall("mount", "/srv/data", "/rootfs/data", null, MS_BIND | MS_REC, null), mounts[0]);
        Assert.Equal(new SysCall("mount", null, "/rootfs/data", null, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_RELATIME, null), mounts[1]);
        Assert.Equal(["/rootfs/data"], _sys.Named("statfs").Select(c => c.Arg<string>(0)));
        // The remount goes through a fresh handle, opened after the bind.
        int bind = _sys.Calls.IndexOf(mounts[0]);
        Assert.Equal(new SysCall("open_in_root", Root, "/data", false), _sys.Calls[bind + 1]);
        Assert.Equal(0, _sys.OpenHandles);
    }

    [Fact]
    public void A_plain_bind_is_not_remounted()
    {
        Executor().Apply(Planned(new SpecMount { Destination = "/data", Type = "bind", Source = "/srv/data" }));
        Assert.Equal(new SysCall("mount", "/srv/data", "/rootfs/data", null, MS_BIND, null), Assert.Single(_sys.Mounts));
        Assert.Empty(_sys.Named("statfs"));
    }

    [Fact]
    public void A_file_bind_asks_for_the_leaf_as_a_file()
    {
        var step = MountPlanner.PlanOne(new SpecMount { Destination = "/etc/hosts", Source = "/bundle/hosts", Options = ["bind"] },
            new MountContext("/bundle", true, true, true, true), _ => true);
        Executor().Apply(step);
        Assert.Equal(["/rootfs|/etc/hosts"], _sys.FileLeaves);
    }

    [Fact]
    public void A_directory_bind_creates_no_file()
    {
        Executor().Apply(Planned(new SpecMount { Destination = "/data", Type = "bind", Source = "/srv/data" }));
        Assert.Empty(_sys.FileLeaves);
    }

    [Fact]
    public void Propagation_is_set_after_the_mount_and_the_remount()
    {
        var step = Planned(new SpecMount { Destination = "/data", Type = "bind", Source = "/srv", Options = ["rbind", "ro", "rslave"] });
        Executor().Apply(step);
        var mounts = _sys.Mounts;
        Assert.Equal(3, mounts.Count);
        Assert.Equal(MS_BIND | MS_REMOUNT | MS_RDONLY, mounts[1].Arg<ulong>(3));
        Assert.Equal(new SysCall("mount", null, "/rootfs/data", null, MS_SLAVE | MS_REC, null), mounts[2]);
    }

    [Fact]
    public void A_filesystem_mount_with_propagation_gets_a_second_call()
    {
        Executor().Apply(Planned(new SpecMount { Destination = "/tmp", Type = "tmpfs", Options = ["rprivate"] }));
        Assert.Equal([MS_PRIVATE | MS_REC], _sys.Mounts.Skip(1).Select(c => c.Arg<ulong>(3)));
    }

    // Tmds.LibC's constants are not const: theory data from a member, not attributes.
    public static TheoryData<int> A_refused_sysfs_mount_falls_back_to_binding_sys_Cases => new()
    {
        { Libc.EPERM },
        { Libc.EACCES },
        { Libc.EINVAL },
        { Libc.EBUSY },
    };

    [Theory]
    [MemberData(nameof(A_refused_sysfs_mount_falls_back_to_binding_sys_Cases))]
    public void A_refused_sysfs_mount_falls_back_to_binding_sys(int errno)
    {
        _sys.Existing.Add("/sys");
        _sys.FailMount("sysfs", errno);

        Executor().Apply(Planned(Sysfs));

        var mounts = _sys.Mounts;
        Assert.Equal("sysfs", mounts[0].Arg<string>(2));
        Assert.Equal(new SysCall("mount", "/sys", "/rootfs/sys", null, MS_BIND | MS_REC, null), mounts[1]);
        Assert.Equal(MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, mounts[2].Arg<ulong>(3));
        Assert.Equal(3, mounts.Count);
        Assert.Contains(_debug, d => d.Contains("fallback"));
        Assert.Equal(0, _sys.OpenHandles);
    }

    // Tmds.LibC's constants are not const: theory data from a member, not attributes.
    public static TheoryData<int> Another_errno_is_not_a_reason_for_the_fallback_Cases => new()
    {
        { Libc.ENOENT },
        { Libc.ENOSPC },
    };

    [Theory]
    [MemberData(nameof(Another_errno_is_not_a_reason_for_the_fallback_Cases))]
    public void Another_errno_is_not_a_reason_for_the_fallback(int errno)
    {
        _sys.FailMount("sysfs", errno);

        var e = Assert.Throws<SyscallException>(() => Executor().Apply(Planned(Sysfs)));

        Assert.Equal(errno, e.Errno);
        Assert.Contains("/sys", e.Message);
        Assert.Single(_sys.Mounts);
        Assert.Equal(0, _sys.OpenHandles);
    }

    [Fact]
    public void A_refused_mount_without_a_fallback_fails_naming_the_mount()
    {
        _sys.FailMount("tmpfs", Libc.EPERM);
        var e = Assert.Throws<SyscallException>(() => Executor().Apply(new MountStep("/tmp", "tmpfs", "tmpfs", 0, null)));
        Assert.Equal(Libc.EPERM, e.Errno);
        Assert.StartsWith("mount tmpfs (tmpfs) on /tmp:", e.Message);
    }

    [Fact]
    public void A_failing_fallback_fails()
    {
        _sys.Existing.Add("/sys");
        _sys.FailMount("sysfs", Libc.EPERM);
        _sys.Fail(c => c.Name == "mount" && (string?)c.Args[0] == "/sys", Libc.EACCES);
        var e = Assert.Throws<SyscallException>(() => Executor().Apply(Planned(Sysfs)));
        Assert.Equal(Libc.EACCES, e.Errno);
        Assert.Equal(0, _sys.OpenHandles);
    }

    static readonly SpecMount Mqueue = new() { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] };

    [Fact]
    public void A_refused_mqueue_mount_falls_back_to_binding_the_hosts_dev_mqueue()
    {
        _sys.Existing.Add("/dev/mqueue");
        _sys.FailMount("mqueue", Libc.EPERM);

        Executor().Apply(Planned(Mqueue));

        var mounts = _sys.Mounts;
        Assert.Equal("mqueue", mounts[0].Arg<string>(2));
        Assert.Equal(new SysCall("mount", "/dev/mqueue", "/rootfs/dev/mqueue", null, MS_BIND | MS_REC, null), mounts[1]);
        Assert.Equal(0UL, mounts[2].Arg<ulong>(3) & MS_RDONLY);
    }

    /// <summary>A pod's container joins the IPC namespace of its infra container: where the fresh
    /// mount fails there and the host has no /dev/mqueue, the error is the mount's own, not a bind
    /// of a path that is not there.</summary>
    [Fact]
    public void A_refused_mqueue_mount_with_no_dev_mqueue_on_the_host_fails_with_its_own_error()
    {
        _sys.FailMount("mqueue", Libc.EPERM);

        var e = Assert.Throws<SyscallException>(() => Executor().Apply(Planned(Mqueue)));

        Assert.Equal(Libc.EPERM, e.Errno);
        Assert.StartsWith("mount mqueue (mqueue) on /dev/mqueue:", e.Message);
        Assert.Single(_sys.Mounts);
        Assert.Equal(0, _sys.OpenHandles);
    }

    [Fact]
    public void Devpts_refusing_gid_is_mounted_again_without_it()
    {
        _sys.FailMount("devpts", Libc.EINVAL);
        var step = Planned(new SpecMount { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "newinstance", "gid=5", "mode=0620"] });

        Executor().Apply(step);

        Assert.Equal(["newinstance,gid=5,mode=0620", "newinstance,mode=0620"], _sys.Mounts.Select(m => m.Arg<string>(4)));
    }

    // Tmds.LibC's constants are not const: theory data from a member, not attributes.
    public static TheoryData<long, ulong> Locked_flags_map_statfs_flags_to_mount_flags_Cases => new()
    {
        { ST_NOSUID, MS_NOSUID },
        { ST_NODEV, MS_NODEV },
        { ST_NOEXEC, MS_NOEXEC },
        { ST_RDONLY, MS_RDONLY },
        { ST_NOATIME, MS_NOATIME },
        { ST_RELATIME, MS_RELATIME },
        { ST_NODIRATIME, MS_NODIRATIME },
        { ST_SYNCHRONOUS, 0UL },
        { 0L, 0UL },
    };

    [Theory]
    [MemberData(nameof(Locked_flags_map_statfs_flags_to_mount_flags_Cases))]
    public void Locked_flags_map_statfs_flags_to_mount_flags(long st, ulong ms)
    {
        Assert.Equal(ms, MountExecutor.LockedFlags(st, 0));
    }

    [Fact]
    public void Locked_flags_combine()
    {
        Assert.Equal(MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
            MountExecutor.LockedFlags(ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_RDONLY, MS_RDONLY));
    }

    // Tmds.LibC's constants are not const: theory data from a member, not attributes.
    public static TheoryData<ulong> An_asked_for_atime_mode_replaces_the_existing_one_Cases => new()
    {
        { MS_STRICTATIME },
        { MS_NOATIME },
        { MS_RELATIME },
    };

    [Theory]
    [MemberData(nameof(An_asked_for_atime_mode_replaces_the_existing_one_Cases))]
    public void An_asked_for_atime_mode_replaces_the_existing_one(ulong wanted)
    {
        Assert.Equal(MS_NOSUID, MountExecutor.LockedFlags(ST_NOSUID | ST_NOATIME | ST_RELATIME | ST_NODIRATIME, wanted));
    }

    [Fact]
    public void Noatime_wins_over_relatime_when_both_are_reported()
    {
        Assert.Equal(MS_NOATIME, MountExecutor.LockedFlags(ST_NOATIME | ST_RELATIME, 0));
    }
}
