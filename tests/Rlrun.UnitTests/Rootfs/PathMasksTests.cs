using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Rootfs;
using Rlrun.UnitTests.Fakes;
using Xunit;
using static Rlrun.Runtime.Interop.MountCalls;

namespace Rlrun.UnitTests.Rootfs;

public class PathMasksTests
{
    readonly RecordingSyscalls _sys = new();

    [Fact]
    public void A_masked_directory_gets_an_empty_read_only_tmpfs_and_a_file_gets_dev_null()
    {
        _sys.Directories.Add("/proc/acpi");

        PathMasks.Mask(_sys, ["/proc/acpi", "/proc/kcore"], "/dev/null");

        Assert.Equal([
            new SysCall("mount", "tmpfs", "/proc/acpi", "tmpfs", MS_RDONLY, "size=0k"),
            new SysCall("mount", "/dev/null", "/proc/kcore", null, MS_BIND, null),
        ], _sys.Mounts);
        Assert.Equal(0, _sys.OpenHandles);
    }

    [Fact]
    public void Missing_paths_are_skipped()
    {
        _sys.Missing.Add("/proc/asound");
        PathMasks.Mask(_sys, ["/proc/asound", "/proc/keys"], "/dev/null");
        Assert.Equal(["/proc/keys"], _sys.Mounts.Select(m => m.Arg<string>(1)));
        PathMasks.MakeReadonly(_sys, ["/proc/asound"]);
        Assert.Single(_sys.Mounts);
    }

    [Fact]
    public void Paths_are_looked_up_inside_the_new_root()
    {
        PathMasks.Mask(_sys, ["/sys/firmware"], "/dev/null");
        Assert.Equal(new SysCall("try_open_in_root", "/", "/sys/firmware"), _sys.Calls[0]);
    }

    [Fact]
    public void A_failed_mask_names_the_path()
    {
        _sys.Fail(c => c.Name == "mount", Libc.EPERM);
        var e = Assert.Throws<SyscallException>(() => PathMasks.Mask(_sys, ["/proc/kcore"], "/dev/null"));
        Assert.Equal("mask", e.Call);
        Assert.Equal(Libc.EPERM, e.Errno);
        Assert.Contains("/proc/kcore", e.Message);
        Assert.Equal(0, _sys.OpenHandles);
    }

    [Fact]
    public void A_read_only_path_is_bound_onto_itself_then_remounted_with_its_locked_flags()
    {
        _sys.StatFsFlags["/proc/sys"] = ST_NOSUID | ST_NOEXEC;

        PathMasks.MakeReadonly(_sys, ["/proc/sys"]);

        Assert.Equal([
            new SysCall("mount", "/proc/sys", "/proc/sys", null, MS_BIND | MS_REC, null),
            new SysCall("mount", null, "/proc/sys", null, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC, null),
        ], _sys.Mounts);
        Assert.Equal(2, _sys.Named("try_open_in_root").Count());
        Assert.Equal(0, _sys.OpenHandles);
    }

    [Fact]
    public void A_failed_read_only_remount_names_the_path()
    {
        _sys.Fail(c => c.Name == "mount" && c.Arg<ulong>(3) == (MS_BIND | MS_REMOUNT | MS_RDONLY), Libc.EPERM);
        var e = Assert.Throws<SyscallException>(() => PathMasks.MakeReadonly(_sys, ["/proc/bus"]));
        Assert.Equal("readonly", e.Call);
        Assert.Contains("/proc/bus", e.Message);
    }
}
