using Rlrun.SystemdTests.Harness;
using Xunit;

namespace Rlrun.SystemdTests;

/// <summary>
/// Against the real systemd user manager (see <see cref="UserManager"/>): the probe, run as the
/// test user inside the manager's tree, makes the D-Bus calls; these tests check what it saw
/// and what the host shows. Every scope is stopped by the probe; the runner units are
/// --collect'ed; the manager is stopped at process exit if these tests started it.
/// </summary>
[Collection(UserManagerCollection.Name)]
public sealed class TransientScopeIntegrationTests
{
    private static UserManager M => UserManager.Current;

    private static string NewScope() => $"rlrun-test-{Guid.NewGuid().ToString("N")[..8]}.scope";

    private static void AssertOk(ProbeResult r) => Assert.True(r.Ok, $"probe failed: {r}");

    [UserManagerFact]
    public void Manager_IsReachable_OnTheUserBus()
    {
        var r = M.RunProbe("reachable", "user");
        AssertOk(r);
        Assert.Equal("true", r["reachable"]);
        Assert.StartsWith("systemd ", r["reason"]);
        Assert.Equal("user bus", r["bus"]);
        Assert.StartsWith(":", r["unique"]);
    }

    [UserManagerFact]
    public void Scope_WithDelegate_TakesTheProcess_BelongsToTheUser_AndStopRemovesIt()
    {
        var unit = NewScope();
        var r = M.RunProbe("scope", unit);
        AssertOk(r);

        Assert.Equal("", r["dropped"]);
        Assert.Empty(r.All("warning"));
        Assert.Equal("true", r["prop.Delegate"]);
        Assert.Equal("active", r["prop.ActiveState"]);
        Assert.Equal((512UL * 1024 * 1024).ToString(), r["prop.MemoryMax"]);
        Assert.Equal("64", r["prop.TasksMax"]);

        // The process was moved into the scope, inside the user's manager tree (unified hierarchy).
        var cg = r["child_cgroup"]!;
        Assert.EndsWith("/" + unit, cg);
        Assert.Contains($"/user@{M.Uid}.service/", cg);
        Assert.NotEqual(r["child_cgroup_before"], cg);
        Assert.Equal(cg, r["prop.ControlGroup"]);

        // Delegation: the scope's cgroup directory and its cgroup.procs are the user's, and the
        // user can make a sub-cgroup in it.
        Assert.StartsWith("/sys/fs/cgroup", r["scope_dir"]);
        Assert.Equal(M.Uid.ToString(), r["scope_dir_uid"]);
        Assert.Equal(M.Uid.ToString(), r["scope_procs_uid"]);
        Assert.Equal("ok", r["delegated_mkdir"]);

        // StopUnit: job done, the process is gone, and so is the cgroup directory.
        Assert.Equal("true", r["stop"]);
        Assert.Equal("true", r["child_exited"]);
        Assert.Equal("false", r["scope_dir_exists_after_stop"]);
        Assert.False(Directory.Exists(r["scope_dir"]!), $"{r["scope_dir"]} still exists");
        Assert.DoesNotContain(unit, M.Systemctl("list-units", "--all", "--no-legend", "rlrun-test-*").Stdout);
    }

    [UserManagerFact]
    public void UnknownProperty_IsDroppedWithAWarning_AndTheScopeStillStarts()
    {
        var unit = NewScope();
        var r = M.RunProbe("scope", unit, "--unknown", "RlrunNoSuchProperty");
        AssertOk(r);
        Assert.Equal("RlrunNoSuchProperty", r["dropped"]);
        var warning = Assert.Single(r.All("warning"));
        Assert.Contains("RlrunNoSuchProperty", warning);
        Assert.Contains("org.freedesktop.DBus.Error.PropertyReadOnly", warning);
        Assert.Contains("Cannot set property RlrunNoSuchProperty, or unknown property.", warning);
        Assert.DoesNotContain("RlrunNoSuchProperty", r["applied"]);
        Assert.Equal("true", r["prop.Delegate"]);
        Assert.EndsWith("/" + unit, r["child_cgroup"]);
        Assert.Equal("true", r["stop"]);
        Assert.Equal("false", r["scope_dir_exists_after_stop"]);
    }

    [UserManagerFact]
    public void PrivateSocket_IsUsed_WhenTheBusIsMissing()
    {
        var unit = NewScope();
        var r = M.RunProbe(["scope", unit], new Dictionary<string, string> { ["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent/bus" });
        AssertOk(r);
        Assert.EndsWith("/systemd/private", r["bus"]);
        Assert.Equal("true", r["prop.Delegate"]);
        Assert.EndsWith("/" + unit, r["child_cgroup"]);
        Assert.Equal("true", r["stop"]);
    }

    [UserManagerFact]
    public void Stop_And_ResetFailed_OfAMissingUnit_AnswerFalse()
    {
        var r = M.RunProbe("stop-missing", NewScope());
        AssertOk(r);
        Assert.Equal("", r["unit_path"]);
        Assert.Equal("false", r["stop"]);
        Assert.Equal("false", r["reset_failed"]);
    }

    [UserManagerFact]
    public void Scope_ForAProcessOutsideTheManagersReach_FailsWithTheJobResult()
    {
        // As root: this root-owned test process (not in the user's tree) is accepted as a job
        // that then fails. Not root: PID 1, refused at once ("is a manager process"), since a
        // process of the caller's own could really be moved (and then killed by the stop).
        var unit = NewScope();
        var pid = M.AsRoot ? Environment.ProcessId : 1;
        var r = M.RunProbe("scope-foreign", unit, pid.ToString());
        AssertOk(r);
        Assert.Equal("false", r["started"]);
        if (M.AsRoot)
        {
            Assert.Equal("failed", r["job_result"]);
            Assert.Contains(unit, r["exception"]);
            Assert.Contains("'failed'", r["exception"]);
        }
        else Assert.Equal("org.freedesktop.DBus.Error.InvalidArgs", r["error_name"]);
        Assert.DoesNotContain(unit, M.Systemctl("list-units", "--all", "--no-legend", "rlrun-test-*").Stdout);
    }
}
