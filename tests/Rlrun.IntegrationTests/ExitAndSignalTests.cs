using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>A foreground `run` exits with the container's exit code (128+N for a signal).</summary>
public sealed class ExitCodeTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    [UserFact]
    public void Exit_code_of_the_process_is_rlruns()
    {
        var b = _s.NewBundle(["sh", "-c", "exit 7"]);
        var r = _s.Rl("run", "--bundle", b.Path, _s.NewId("exit7"));
        Assert.False(r.TimedOut, r.ToString());
        Assert.Equal(7, r.ExitCode);
    }

    /// <summary>`sh -c 'kill -9 $$'`: the kernel ignores a SIGKILL that PID 1 of a PID namespace sends
    /// itself, so the PID namespace (and the /proc that needs it in a user namespace) is taken out.</summary>
    [UserFact]
    public void Process_killed_by_sigkill_gives_137()
    {
        var b = _s.NewBundle(["sh", "-c", "kill -9 $$; echo survived"], c =>
        {
            var linux = c["linux"]!.AsObject();
            var namespaces = linux["namespaces"]!.AsArray();
            foreach (var ns in namespaces.Where(n => n!["type"]!.GetValue<string>() == "pid").ToList()) namespaces.Remove(ns);
            var mounts = c["mounts"]!.AsArray();
            foreach (var m in mounts.Where(m => m!["destination"]!.GetValue<string>() == "/proc").ToList()) mounts.Remove(m);
            linux["maskedPaths"] = new JsonArray();
            linux["readonlyPaths"] = new JsonArray();
        });
        var r = _s.Rl("run", "--bundle", b.Path, _s.NewId("kill9"));
        Assert.False(r.TimedOut, r.ToString());
        Assert.True(r.ExitCode == 137, r.ToString());
        Assert.DoesNotContain("survived", r.Stdout);
    }

    [UserFact]
    public void Init_killed_from_outside_gives_137()
    {
        var b = _s.NewBundle(["sh", "-c", "while :; do sleep 0.1; done"]);
        string id = _s.NewId("outkill");
        var run = _s.StartRl(["run", "--bundle", b.Path, id]);
        _s.WaitForStatus(id, "running");
        var k = _s.Rl("kill", id, "KILL");
        Assert.True(k.ExitCode == 0, k.ToString());
        var r = run.Wait(TimeSpan.FromSeconds(15));
        Assert.False(r.TimedOut, r.ToString());
        Assert.True(r.ExitCode == 137, r.ToString());
    }
}

/// <summary>A foreground `run` forwards the signals it gets to the container's process.</summary>
public sealed class SignalForwardingTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    [UserTheory]
    [InlineData(Host.SIGTERM, "TERM", 42)]
    [InlineData(Host.SIGUSR1, "USR1", 43)]
    public void Signal_to_foreground_run_reaches_the_container(int signal, string name, int exitCode)
    {
        string script = $"trap \"echo got-{name.ToLowerInvariant()}; exit {exitCode}\" {name}; echo ready; while :; do sleep 0.1; done";
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", script]);
        string id = _s.NewId("sig" + name.ToLowerInvariant());
        var run = _s.StartRl(["run", "--bundle", b.Path, id]);
        _s.WaitForStatus(id, "running");
        // "running" is reported from the start of `run`; the trap exists once the script says so.
        if (!run.WaitForStdout("ready", TimeSpan.FromSeconds(10)))
            Assert.Fail($"the container never printed ready: {run.Wait(TimeSpan.FromSeconds(1))}");
        if (run.HasExited) Assert.Fail($"rlrun exited before the signal: {run.Wait(TimeSpan.FromSeconds(1))}");

        Host.Signal(run.Pid, signal);
        var r = run.Wait(TimeSpan.FromSeconds(15));
        Assert.False(r.TimedOut, r.ToString());
        Assert.Contains($"got-{name.ToLowerInvariant()}", r.Stdout);
        Assert.True(r.ExitCode == exitCode, r.ToString());
    }
}
