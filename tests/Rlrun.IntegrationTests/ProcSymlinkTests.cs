using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>A rootfs whose /proc or /sys is a symlink gets no procfs or sysfs mounted through it
/// (CVE-2019-16884 class): create fails naming the destination, and nothing is left.</summary>
public sealed class ProcSymlinkTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    [UserTheory]
    [InlineData("proc")]
    [InlineData("sys")]
    public void A_symlinked_proc_or_sys_destination_is_refused(string dir)
    {
        var b = _s.NewBundle(["/bin/busybox", "true"]);
        // Replace rootfs/DIR with a symlink to a directory inside the rootfs (as the user owning it).
        Proc.Run(Host.AsUser("/bin/sh", ["-c", $"rm -rf '{b.Rootfs}/{dir}' && mkdir -p '{b.Rootfs}/elsewhere' && ln -s /elsewhere '{b.Rootfs}/{dir}'"]))
            .EnsureSuccess("make the symlink");
        string id = _s.NewId("symproc");
        var r = _s.Rl("create", "--bundle", b.Path, id);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"/{dir}", r.Stderr);
        Assert.Contains("symlink", r.Stderr);
        Assert.False(Directory.Exists(_s.StateDir(id)), $"state dir of {id} left behind");
        Assert.Empty(Directory.GetFileSystemEntries(Path.Join(b.Rootfs, "elsewhere")));
    }
}
