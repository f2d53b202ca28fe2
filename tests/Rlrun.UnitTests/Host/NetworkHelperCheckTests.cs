using Rlrun.Runtime.Host;
using Xunit;

namespace Rlrun.UnitTests.Host;

public class NetworkHelperCheckTests
{
    [Fact]
    public void Either_helper_is_ok()
    {
        Assert.Equal("slirp4netns /usr/bin/slirp4netns", NetworkHelperCheck.Evaluate(new("/usr/bin/slirp4netns", null)).Detail);
        Assert.Equal(CheckStatus.Ok, NetworkHelperCheck.Evaluate(new(null, "/usr/bin/pasta")).Status);
        Assert.Equal("pasta /usr/bin/pasta, slirp4netns /usr/bin/slirp4netns", NetworkHelperCheck.Evaluate(new("/usr/bin/slirp4netns", "/usr/bin/pasta")).Detail);
    }

    [Fact]
    public void Neither_warns_with_both_packages()
    {
        var r = NetworkHelperCheck.Evaluate(new(null, null));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Equal(["apt-get install slirp4netns", "or: apt-get install passt   # for pasta"], r.FixLines);
    }
}
