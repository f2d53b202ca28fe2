using Rlrun.Runtime.Rootfs;
using Xunit;

namespace Rlrun.UnitTests.Rootfs;

public class ProcOvermountsTests
{
    // What /proc/self/mountinfo shows inside a container made with runc's default masked and read-only paths.
    const string Masked = """
        610 560 0:60 / / ro,relatime - ext4 /dev/vda1 rw
        611 610 0:61 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
        612 611 0:5 /null /proc/kcore rw,nosuid - devtmpfs udev rw
        613 611 0:62 / /proc/acpi ro,relatime - tmpfs tmpfs ro
        614 611 0:61 /sys /proc/sys ro,nosuid,nodev,noexec,relatime - proc proc rw
        615 611 0:63 / /proc/sys/fs/binfmt_misc rw,relatime - binfmt_misc binfmt_misc rw
        616 610 0:64 / /proc\040x rw - tmpfs tmpfs rw
        617 610 0:65 / /tmp/proc/kcore rw - tmpfs tmpfs rw
        """;

    [Fact]
    public void Mounts_under_proc_are_found_not_proc_itself_nor_empty_binfmt_misc_nor_lookalikes()
    {
        Assert.Equal(["/proc/kcore", "/proc/acpi", "/proc/sys"], ProcOvermounts.Parse(Masked));
    }

    [Fact]
    public void Escaped_mount_points_are_decoded()
    {
        Assert.Equal(["/proc/a b"], ProcOvermounts.Parse("1 2 0:1 / /proc/a\\040b rw - tmpfs t rw\n"));
    }

    [Fact]
    public void The_explanation_names_the_paths_and_the_fix_or_is_null()
    {
        Assert.Null(ProcOvermounts.Explain([]));
        string why = ProcOvermounts.Explain(["/proc/kcore", "/proc/sys"])!;
        Assert.Contains("/proc/kcore, /proc/sys", why);
        Assert.Contains("maskedPaths", why);
        Assert.Contains("readonlyPaths", why);
    }
}
