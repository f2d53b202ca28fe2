using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>`run --restart=POLICY` in the foreground: rlrun-supervisor's actors with the real binary.</summary>
public sealed class SupervisionTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    // A short first backoff (rlrun.json's restart.initial_delay, here from the environment).
    ProcSpec Run(string policy, Bundle b, string id) =>
        Host.AsUser(Host.Binary, ["--root", _s.StateRoot, "run", "--restart", policy, "--bundle", b.Path, id],
            [.. Host.ShellEnv, new("RLRUN_RESTART__INITIAL_DELAY", "50ms")]);

    static int Count(string text, string word) => text.Split('\n').Count(l => l.Trim() == word);

    [UserFact]
    public void On_failure_3_starts_a_failing_container_four_times_then_returns_its_exit_code()
    {
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", "echo started; exit 1"]);
        string id = _s.NewId("onfail");
        var r = Proc.Run(Run("on-failure:3", b, id), stdin: null, timeout: TimeSpan.FromSeconds(60));
        Assert.False(r.TimedOut, r.ToString());
        Assert.Equal(1, r.ExitCode);
        Assert.Equal(4, Count(r.Stdout, "started"));
        Assert.False(Directory.Exists(_s.StateDir(id)), $"state dir of {id} left behind");
    }

    [UserFact]
    public void Restart_no_is_a_plain_run()
    {
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", "echo started; exit 3"]);
        var r = _s.Rl(["run", "--restart", "no", "--bundle", b.Path, _s.NewId("plain")]);
        Assert.Equal(3, r.ExitCode);
        Assert.Equal(1, Count(r.Stdout, "started"));
    }

    [UserFact]
    public void Always_restarts_after_kill_9_and_a_manual_stop_does_not_restart()
    {
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", "echo started; " + Scripts.TrapLoop]);
        string id = _s.NewId("always");
        var p = Proc.Start(Run("always", b, id), stdin: null);
        try
        {
            WaitFor(() => Count(p.Stdout, "started") >= 1, "the first start", p);
            _s.WaitForStatus(id, "running");
            int first = _s.State(id)["pid"]!.GetValue<int>();
            Host.Signal(first, 9);
            WaitFor(() => Count(p.Stdout, "started") >= 2, "a restart after kill -9", p);
            _s.WaitForStatus(id, "running");
            int second = _s.State(id)["pid"]!.GetValue<int>();
            Assert.NotEqual(first, second);

            Host.Signal(p.Pid, 15); // a manual stop: the container gets SIGTERM and is not restarted
            var done = p.Wait(TimeSpan.FromSeconds(20));
            Assert.False(done.TimedOut, done.ToString());
            Assert.Equal(2, Count(done.Stdout, "started"));
            Assert.Equal(0, done.ExitCode); // the trap exits 0 on TERM: the last exit code
            Assert.False(Directory.Exists(_s.StateDir(id)), $"state dir of {id} left behind");
            Assert.True(Host.ProcessGone(second), $"container init {second} still there");
        }
        finally { p.Dispose(); }
    }

    static void WaitFor(Func<bool> done, string what, RunningProc p, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (DateTime.UtcNow < deadline)
        {
            if (done()) return;
            Thread.Sleep(20);
        }
        Assert.Fail($"timed out waiting for {what}; stdout: {p.Stdout}; stderr: {p.Stderr}");
    }
}
