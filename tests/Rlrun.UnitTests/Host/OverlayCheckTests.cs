using Rlrun.Runtime.Host;
using Xunit;

namespace Rlrun.UnitTests.Host;

public class OverlayCheckTests
{
    const string In = OverlayProbe.InUserNamespace + "\n";

    static OverlayFacts Ran(int exit, string stdout, string stderr = "", bool timedOut = false, bool root = false) =>
        new(root, "/usr/bin/unshare", new CommandOutcome(exit, stdout, stderr, timedOut), null);

    [Fact]
    public void A_mounted_overlay_is_ok()
    {
        var r = OverlayCheck.Evaluate(Ran(0, In + OverlayProbe.Mounted + "\n"));
        Assert.Equal(CheckStatus.Ok, r.Status);
        Assert.Equal("overlay", r.Name);
    }

    [Fact]
    public void A_refused_mount_warns_with_the_error_text_and_fuse_overlayfs()
    {
        var r = OverlayCheck.Evaluate(Ran(3, In, "mount: /tmp/x/merged: permission denied.\n       dmesg(1) may have more information after failed mount system call.\n"));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains("mount: /tmp/x/merged: permission denied. dmesg(1) may have more information", r.Detail);
        Assert.Equal("apt-get install fuse-overlayfs", r.FixLines[0]);
    }

    [Fact]
    public void No_user_namespace_fails_for_a_user_and_warns_for_root()
    {
        var user = OverlayCheck.Evaluate(Ran(1, "", "unshare: unshare failed: Operation not permitted\n"));
        Assert.Equal(CheckStatus.Fail, user.Status);
        Assert.Contains("cannot create a user namespace: unshare: unshare failed: Operation not permitted", user.Detail);
        Assert.Equal(CheckStatus.Warn, OverlayCheck.Evaluate(Ran(1, "", "unshare failed", root: true)).Status);
    }

    [Fact]
    public void Missing_unshare_is_skipped()
    {
        var r = OverlayCheck.Evaluate(new OverlayFacts(false, null, null, null));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Equal("skipped: unshare(1) missing", r.Detail);
    }

    [Fact]
    public void A_hang_warns()
    {
        var r = OverlayCheck.Evaluate(Ran(137, In, timedOut: true));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains("did not finish", r.Detail);
    }

    [Fact]
    public void Silent_failures_give_the_exit_status_and_long_errors_are_cut()
    {
        Assert.Equal("exit status 3", OverlayCheck.ErrorText(new CommandOutcome(3, "", "", false)));
        Assert.EndsWith("...", OverlayCheck.ErrorText(new CommandOutcome(1, "", new string('x', 1000), false)));
    }
}
