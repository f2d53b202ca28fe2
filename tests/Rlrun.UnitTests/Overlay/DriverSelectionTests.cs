using Rlrun.Runtime.Host;
using Rlrun.Runtime.Overlay;
using Xunit;

namespace Rlrun.UnitTests.Overlay;

public sealed class DriverSelectionTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("rlrun-driver-").FullName;
    readonly List<string> _probed = [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    Func<string, string, string?> Probe(string? overlay, string? fuse) => (driver, _) =>
    {
        _probed.Add(driver);
        return driver == StorageDriver.Overlay ? overlay : fuse;
    };

    [Fact]
    public void Auto_takes_kernel_overlay_where_it_works_and_probes_once_per_boot()
    {
        var warnings = new List<string>();
        Assert.Equal("overlay", DriverSelection.Resolve("auto", _dir, Probe(null, null), warnings.Add));
        Assert.Equal("overlay", DriverSelection.Resolve("auto", _dir, Probe("never asked", null), warnings.Add));
        Assert.Equal(["overlay", "fuse-overlayfs"], _probed);
        Assert.Empty(warnings);
    }

    [Fact]
    public void Auto_falls_back_to_fuse_then_to_vfs_with_both_reasons()
    {
        Assert.Equal("fuse-overlayfs", DriverSelection.Resolve("auto", _dir, Probe("EPERM", null), null));
        File.Delete(Path.Join(_dir, DriverProbeCache.FileName));
        var warnings = new List<string>();
        Assert.Equal("vfs", DriverSelection.Resolve("auto", _dir, Probe("EPERM", "no /dev/fuse"), warnings.Add));
        Assert.Contains("kernel overlay: EPERM", Assert.Single(warnings));
        Assert.Contains("fuse-overlayfs: no /dev/fuse", warnings[0]);
    }

    [Fact]
    public void An_explicit_driver_is_taken_without_probing()
    {
        Assert.Equal("vfs", DriverSelection.Resolve("vfs", _dir, Probe(null, null), null));
        Assert.Empty(_probed);
    }

    [Fact]
    public void A_cache_of_another_boot_is_ignored()
    {
        File.WriteAllLines(Path.Join(_dir, DriverProbeCache.FileName), ["some-other-boot", "overlay\tbroken", "fuse-overlayfs\tbroken"]);
        Assert.Equal("overlay", DriverSelection.Resolve("auto", _dir, Probe(null, null), null));
        Assert.Equal(2, _probed.Count);
    }

    [Fact]
    public void A_bad_driver_name_names_its_source()
    {
        var e = Assert.Throws<ArgumentException>(() => StorageDriver.Parse("zfs", "--storage-driver"));
        Assert.Contains("\"zfs\" (--storage-driver)", e.Message);
    }

    [Fact]
    public void The_check_line_says_which_driver_and_why_not_the_faster_ones()
    {
        Assert.Equal(CheckStatus.Ok, StorageDriverCheck.Evaluate(new Dictionary<string, string?> { ["overlay"] = null, ["fuse-overlayfs"] = null }).Status);
        var fuse = StorageDriverCheck.Evaluate(new Dictionary<string, string?> { ["overlay"] = "EPERM", ["fuse-overlayfs"] = null });
        Assert.Equal(CheckStatus.Warn, fuse.Status);
        Assert.StartsWith("fuse-overlayfs (kernel overlay does not work: EPERM)", fuse.Detail);
        var vfs = StorageDriverCheck.Evaluate(new Dictionary<string, string?> { ["overlay"] = "EPERM", ["fuse-overlayfs"] = "missing" });
        Assert.StartsWith("vfs:", vfs.Detail);
    }
}
