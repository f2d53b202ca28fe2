using Rlrun.Runtime.Host;
using Xunit;

namespace Rlrun.UnitTests.Host;

public class LingerCheckTests
{
    [Fact]
    public void Lingering_is_ok()
    {
        var r = LingerCheck.Evaluate(new LingerFacts(new CheckUser(1000, 1000, "alice"), true));
        Assert.Equal(CheckStatus.Ok, r.Status);
        Assert.Contains("/var/lib/systemd/linger/alice", r.Detail);
    }

    [Fact]
    public void Not_lingering_warns_with_loginctl()
    {
        var r = LingerCheck.Evaluate(new LingerFacts(new CheckUser(1000, 1000, "alice"), false));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Equal("loginctl enable-linger alice", r.Fix);
    }

    [Fact]
    public void Root_does_not_need_it_and_a_nameless_uid_cannot_have_it()
    {
        Assert.Equal(CheckStatus.Ok, LingerCheck.Evaluate(new LingerFacts(new CheckUser(0, 0, "root"), false)).Status);
        Assert.Equal(CheckStatus.Warn, LingerCheck.Evaluate(new LingerFacts(new CheckUser(1500, 1500, null), false)).Status);
    }
}

public class LingerCheckWithoutSystemdTests
{
    [Fact]
    public void Without_systemd_as_pid1_it_suggests_no_loginctl()
    {
        var r = LingerCheck.Evaluate(new LingerFacts(new CheckUser(1000, 1000, "alice"), false, SystemdIsPid1: false));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.DoesNotContain("loginctl", r.Fix);
        Assert.Contains("@reboot rlrun daemon", r.Fix);
    }
}
