using Rlrun.Runtime.Host;
using Xunit;

namespace Rlrun.UnitTests.Host;

public class SupervisionSurvivalCheckTests
{
    static readonly CheckUser Alice = new(1000, 1000, "alice");
    const string Unit = "/home/alice/.local/share/systemd/user/rlrun.socket";

    [Fact]
    public void An_enabled_socket_unit_and_lingering_are_ok()
    {
        var r = SupervisionSurvivalCheck.Evaluate(new SupervisionSurvivalFacts(Alice, Unit, SocketEnabled: true, Lingering: true));
        Assert.Equal(CheckStatus.Ok, r.Status);
        Assert.Contains(Unit, r.Detail);
    }

    [Fact]
    public void No_socket_unit_warns_that_an_exit_after_a_crash_stays_down_and_says_how_to_install_it()
    {
        var r = SupervisionSurvivalCheck.Evaluate(new SupervisionSurvivalFacts(Alice, null, false, Lingering: true));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains("stays down", r.Detail);
        Assert.Equal(["make install PREFIX=~/.local && systemctl --user daemon-reload && systemctl --user enable --now rlrun.socket"], r.FixLines);
    }

    [Fact]
    public void A_socket_unit_not_enabled_and_no_lingering_warn_with_both_fixes()
    {
        var r = SupervisionSurvivalCheck.Evaluate(new SupervisionSurvivalFacts(Alice, Unit, SocketEnabled: false, Lingering: false));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains($"{Unit} is not enabled", r.Detail);
        Assert.Contains("lingering is off for alice", r.Detail);
        Assert.Equal(["systemctl --user enable --now rlrun.socket", "loginctl enable-linger alice"], r.FixLines);
    }

    [Fact]
    public void Root_needs_no_lingering()
    {
        var r = SupervisionSurvivalCheck.Evaluate(new SupervisionSurvivalFacts(new CheckUser(0, 0, "root"), "/etc/systemd/user/rlrun.socket", true, false));
        Assert.Equal(CheckStatus.Ok, r.Status);
    }
}

public class SupervisionSurvivalWithoutSystemdTests
{
    [Fact]
    public void Without_systemd_as_pid1_cron_is_suggested_not_loginctl()
    {
        var r = SupervisionSurvivalCheck.Evaluate(new SupervisionSurvivalFacts(new CheckUser(1000, 1000, "alice"),
            "/usr/lib/systemd/user/rlrun.socket", true, false, SystemdIsPid1: false));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.DoesNotContain("loginctl", r.Fix);
        Assert.Contains("rlrun list", r.Fix);
    }
}
