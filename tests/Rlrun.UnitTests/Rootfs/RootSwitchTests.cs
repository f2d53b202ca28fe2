using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Rootfs;
using Rlrun.UnitTests.Fakes;
using Xunit;
using static Rlrun.Runtime.Interop.MountCalls;

namespace Rlrun.UnitTests.Rootfs;

public class RootSwitchTests
{
    const string Root = "/run/bundle/rootfs";
    readonly RecordingSyscalls _sys = new();

    [Fact]
    public void Pivot_root_stacks_the_old_root_and_detaches_it_without_propagating()
    {
        RootSwitch.PivotRoot(_sys, Root);

        var calls = _sys.Calls;
        Assert.Equal(6, calls.Count);
        Assert.Equal(new SysCall("chdir", Root), calls[0]);
        Assert.Equal(new SysCall("pivot_root", ".", "."), calls[1]);
        Assert.Equal("fchdir", calls[2].Name);
        Assert.True(calls[2].Arg<int>(0) >= 0, "fchdir gets the fd of the old root");
        Assert.Equal(new SysCall("mount", null, ".", null, MS_SLAVE | MS_REC, null), calls[3]);
        Assert.Equal(new SysCall("umount", ".", MNT_DETACH), calls[4]);
        Assert.Equal(new SysCall("chdir", "/"), calls[5]);
    }

    [Fact]
    public void A_failed_pivot_root_detaches_nothing()
    {
        _sys.Fail(c => c.Name == "pivot_root", Libc.EINVAL);

        var e = Assert.Throws<SyscallException>(() => RootSwitch.PivotRoot(_sys, Root));

        Assert.Equal(Libc.EINVAL, e.Errno);
        Assert.Empty(_sys.Named("umount"));
        Assert.Empty(_sys.Named("mount"));
    }

    [Fact]
    public void Chroot_moves_the_rootfs_onto_slash_then_chroots()
    {
        RootSwitch.Chroot(_sys, Root);

        Assert.Equal([
            new SysCall("chdir", Root),
            new SysCall("mount", Root, "/", null, MS_MOVE, null),
            new SysCall("chroot", "."),
            new SysCall("chdir", "/"),
        ], _sys.Calls);
    }
}
