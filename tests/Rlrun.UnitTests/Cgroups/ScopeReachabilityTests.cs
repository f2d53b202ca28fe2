using Rlrun.Runtime.Cgroups;
using Xunit;

namespace Rlrun.UnitTests.Cgroups;

/// <summary>Whether a systemd manager can move this process into a scope, decided before asking
/// (a process outside the user manager's tree otherwise gets a failed job).</summary>
public class ScopeReachabilityTests
{
    const string Tree = "/user.slice/user-1000.slice/user@1000.service";

    static ScopeReach Decide(string? own, string? manager = Tree, bool system = false, bool pid1 = false) =>
        ScopeReachability.Decide(new ScopeReachFacts(own, manager, system, pid1));

    [Theory]
    [InlineData(Tree + "/app.slice/rlrun.service")]
    [InlineData(Tree + "/init.scope")]
    [InlineData(Tree)]
    public void Inside_the_user_managers_tree_a_scope_can_be_had(string own) => Assert.True(Decide(own).Reachable);

    [Theory]
    [InlineData("/")]                                        // su, sudo -u, runuser from a root shell here
    [InlineData("/system.slice/gitlab-runner.service")]      // a runner service's child
    [InlineData("/user.slice/user-1000.slice/session-3.scope")] // a login session, no systemd as PID 1
    [InlineData("/user.slice/user-1000.slice/user@1000.servicex")] // a name that only starts alike
    public void Outside_it_without_systemd_as_pid1_none_can(string own)
    {
        var r = Decide(own);
        Assert.False(r.Reachable);
        Assert.Contains($"cgroup {own}", r.Why);
        Assert.Contains(Tree, r.Why);
        Assert.Contains("su, sudo -u", r.Why);
        Assert.Equal(ScopeReachability.RunInManager, r.Fix);
    }

    [Fact]
    public void Systemd_as_pid1_moves_a_session_process_for_the_user_manager() =>
        Assert.True(Decide("/user.slice/user-1000.slice/session-3.scope", pid1: true).Reachable);

    [Fact]
    public void The_system_manager_takes_any_process() => Assert.True(Decide("/", manager: "", system: true).Reachable);

    [Fact]
    public void An_unknown_own_or_manager_cgroup_is_not_taken_as_inside()
    {
        Assert.False(Decide(null).Reachable);
        Assert.False(Decide(Tree + "/app.slice", manager: null).Reachable);
    }

    [Theory]
    [InlineData("/a/b", "/a", true)]
    [InlineData("/a", "/a/", true)]
    [InlineData("/ab", "/a", false)]
    [InlineData("/a", "/a/b", false)]
    [InlineData("/x", "/", true)]
    public void IsUnder_compares_whole_components(string path, string ancestor, bool under) =>
        Assert.Equal(under, ScopeReachability.IsUnder(path, ancestor));
}
