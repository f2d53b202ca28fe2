using Rlrun.Runtime.Cgroups;
using Rlrun.Runtime.Host;
using Xunit;

namespace Rlrun.UnitTests.Host;

/// <summary>`rlrun check` says where rlrun was started from and what that costs, with the one
/// command that avoids the loss on this kind of host.</summary>
public class ContextCheckTests
{
    static readonly CheckUser Alice = new(1000, 1000, "alice");
    const string Tree = "/user.slice/user-1000.slice/user@1000.service";

    static ContextFacts Facts(string? own, bool manager = true, bool pid1 = false, string? delegated = null, bool xdg = true) =>
        new(Alice, own, manager, pid1, delegated, "/sys/fs/cgroup/unified", xdg, xdg ? "/run/user/1000/rlrun" : "/run/user/1000/rlrun");

    [Fact]
    public void Inside_the_managers_tree_is_ok_with_scopes()
    {
        var r = ContextCheck.Evaluate(Facts(Tree + "/app.slice/x.service"));
        Assert.Equal(CheckStatus.Ok, r.Status);
        Assert.Contains("transient scope", r.Detail);
    }

    [Fact]
    public void A_login_session_with_systemd_as_pid1_is_ok()
    {
        var r = ContextCheck.Evaluate(Facts("/user.slice/user-1000.slice/session-2.scope", pid1: true));
        Assert.Equal(CheckStatus.Ok, r.Status);
        Assert.Contains("PID 1", r.Detail);
    }

    [Fact]
    public void Su_from_a_root_shell_with_a_manager_warns_and_says_how_to_run_in_the_manager()
    {
        var r = ContextCheck.Evaluate(Facts("/", xdg: false));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains("outside your systemd user manager's tree (cgroup /", r.Detail);
        Assert.Contains("su, sudo -u", r.Detail);
        Assert.Contains("without a cgroup", r.Detail);
        Assert.Contains("XDG_RUNTIME_DIR is unset", r.Detail);
        Assert.StartsWith(ScopeReachability.RunInManager, r.Fix);
        Assert.DoesNotContain("loginctl", r.Fix);
    }

    [Fact]
    public void A_delegated_cgroup_is_ok_through_cgroupfs()
    {
        var r = ContextCheck.Evaluate(Facts("/ci/runner", manager: false, delegated: "/sys/fs/cgroup/unified/ci"));
        Assert.Equal(CheckStatus.Ok, r.Status);
        Assert.Contains("cgroupfs", r.Detail);
    }

    [Fact]
    public void No_manager_and_no_systemd_as_pid1_suggests_a_root_delegation_not_loginctl()
    {
        var r = ContextCheck.Evaluate(Facts("/", manager: false));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.DoesNotContain("loginctl", r.Fix);
        Assert.DoesNotContain("machinectl", r.Fix);
        Assert.Contains("mkdir /sys/fs/cgroup/unified/rlrun-alice", r.Fix);
    }

    [Fact]
    public void No_manager_with_systemd_as_pid1_suggests_lingering()
    {
        var r = ContextCheck.Evaluate(Facts("/user.slice/user-1000.slice/session-2.scope", manager: false, pid1: true));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains("loginctl enable-linger alice", r.Fix);
    }

    [Fact]
    public void Root_is_ok() =>
        Assert.Equal(CheckStatus.Ok, ContextCheck.Evaluate(Facts("/") with { User = new CheckUser(0, 0, "root") }).Status);
}
