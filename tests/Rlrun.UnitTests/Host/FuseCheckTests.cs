using Rlrun.Runtime.Host;
using Xunit;

namespace Rlrun.UnitTests.Host;

public class FuseCheckTests
{
    static readonly CheckUser Alice = new(1000, 1000, "alice");

    static FuseFacts Facts(bool exists = true, bool chr = true, uint mode = 0x1b6, bool rw = true, string? tool = "/usr/bin/fuse-overlayfs") =>
        new(Alice, exists, chr, mode, 0, rw, tool);

    [Fact]
    public void A_usable_device_and_the_tool_are_ok()
    {
        var dev = FuseCheck.EvaluateDevice(Facts());
        Assert.Equal(CheckStatus.Ok, dev.Status);
        Assert.Equal("/dev/fuse (mode 0666) is readable and writable", dev.Detail);
        var tool = FuseCheck.EvaluateTool(Facts());
        Assert.Equal(CheckStatus.Ok, tool.Status);
        Assert.Equal("/usr/bin/fuse-overlayfs", tool.Detail);
    }

    [Fact]
    public void A_device_only_root_may_open_warns_with_chmod()
    {
        var r = FuseCheck.EvaluateDevice(Facts(mode: 0x180, rw: false));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains("mode 0600", r.Detail);
        Assert.StartsWith("chmod 0666 /dev/fuse", r.Fix);
    }

    [Fact]
    public void No_device_warns_with_modprobe_and_not_a_device_with_mknod()
    {
        Assert.Equal("modprobe fuse", FuseCheck.EvaluateDevice(Facts(exists: false)).Fix);
        Assert.Contains("mknod -m 0666 /dev/fuse c 10 229", FuseCheck.EvaluateDevice(Facts(chr: false)).Fix);
    }

    [Fact]
    public void No_fuse_overlayfs_warns_with_the_package()
    {
        var r = FuseCheck.EvaluateTool(Facts(tool: null));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Equal("apt-get install fuse-overlayfs", r.Fix);
    }
}
