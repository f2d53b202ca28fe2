using Rlrun.Runtime.Host;
using Rlrun.Runtime.Interop;
using Xunit;

namespace Rlrun.UnitTests.Host;

public class KernelVersionCheckTests
{
    [Theory]
    [InlineData("6.1.0-18-amd64", 6, 1)]
    [InlineData("5.15.0+", 5, 15)]
    [InlineData("6.18.44-fc-v657", 6, 18)]
    [InlineData("5.10", 5, 10)]
    [InlineData("4.19.0-rc1", 4, 19)]
    public void Parses_major_and_minor(string release, int major, int minor)
    {
        Assert.Equal(new Version(major, minor), KernelVersionCheck.Parse(release));
    }

    [Theory]
    [InlineData("")]
    [InlineData("linux")]
    [InlineData("6")]
    [InlineData("6.x")]
    public void Unreadable_releases_parse_to_null(string release)
    {
        Assert.Null(KernelVersionCheck.Parse(release));
    }

    [Theory]
    [InlineData("4.18.0-553.el8", CheckStatus.Fail)]
    [InlineData("5.4.0-150-generic", CheckStatus.Fail)]
    [InlineData("5.8.18", CheckStatus.Fail)]
    [InlineData("5.9.0", CheckStatus.Warn)]
    [InlineData("5.10.0-28-amd64", CheckStatus.Warn)]
    [InlineData("5.11.0", CheckStatus.Ok)]
    [InlineData("6.1.0-18-amd64", CheckStatus.Ok)]
    public void Fails_below_5_9_and_warns_below_5_11(string release, CheckStatus expected)
    {
        var r = KernelVersionCheck.Evaluate(new KernelFacts(release));
        Assert.Equal(expected, r.Status);
        Assert.Equal("kernel", r.Name);
        Assert.Contains(release, r.Detail);
        if (expected == CheckStatus.Ok) Assert.Null(r.Fix);
        else Assert.Contains("5.11", r.Fix);
    }

    [Fact]
    public void A_warning_below_5_11_names_fuse_overlayfs()
    {
        Assert.Contains("fuse-overlayfs", KernelVersionCheck.Evaluate(new KernelFacts("5.10.0")).Detail);
    }

    [Fact]
    public void A_failure_names_the_calls_rlrun_needs()
    {
        var r = KernelVersionCheck.Evaluate(new KernelFacts("5.4.0"));
        Assert.Contains("close_range", r.Detail);
        Assert.Contains("openat2", r.Detail);
    }

    [Fact]
    public void No_or_an_odd_release_warns()
    {
        Assert.Equal(CheckStatus.Warn, KernelVersionCheck.Evaluate(new KernelFacts(null)).Status);
        Assert.Equal(CheckStatus.Warn, KernelVersionCheck.Evaluate(new KernelFacts("weird")).Status);
    }

    [Fact]
    public void Uname_gives_the_running_kernel()
    {
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), UnameCalls.Release());
    }
}
