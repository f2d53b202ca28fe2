using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>create -> state/list -> start -> kill -> delete, as podman drives it.</summary>
public sealed class LifecycleTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    static void Ok(ProcResult r) => Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());

    [UserTheory]
    [InlineData("KILL")]
    [InlineData("9")]
    [InlineData("SIGTERM")]
    public void Create_state_list_start_kill_delete(string signal)
    {
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", Scripts.TrapLoop]);
        string id = _s.NewId("life");
        string pidFile = Path.Join(_s.Dir, "init.pid");

        Ok(_s.Rl("create", "--bundle", b.Path, "--pid-file", pidFile, id));
        var state = _s.State(id);
        Assert.Equal("created", state["status"]!.GetValue<string>());
        Assert.Equal(id, state["id"]!.GetValue<string>());
        Assert.Equal(b.Path, state["bundle"]!.GetValue<string>());
        int pid = state["pid"]!.GetValue<int>();
        Assert.True(pid > 0, $"pid {pid}");
        Assert.Equal(pid.ToString(), File.ReadAllText(pidFile).Trim());
        Assert.False(Host.ProcessGone(pid), $"the init {pid} of a created container is not alive");

        // list: runc's table, JSON array, -q.
        var table = _s.Rl("list");
        Ok(table);
        var lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(new Regex(@"^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER$"), lines[0]);
        var row = Assert.Single(lines.Skip(1));
        var cols = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, cols.Length);
        Assert.Equal([id, pid.ToString(), "created", b.Path], cols[..4]);
        Assert.Equal(Host.UserName ?? Host.Uid.ToString(), cols[5]);

        var json = _s.Rl("list", "--format", "json");
        Ok(json);
        var array = Assert.IsType<JsonArray>(JsonNode.Parse(json.Stdout));
        var entry = Assert.Single(array);
        Assert.Equal(id, entry!["id"]!.GetValue<string>());
        Assert.Equal("created", entry["status"]!.GetValue<string>());

        var quiet = _s.Rl("list", "-q");
        Ok(quiet);
        Assert.Equal(id + "\n", quiet.Stdout);

        Ok(_s.Rl("start", id));
        _s.WaitForStatus(id, "running");
        Assert.Equal(pid, _s.State(id)["pid"]!.GetValue<int>());

        Ok(_s.Rl("kill", id, signal));
        _s.WaitForStatus(id, "stopped");

        Ok(_s.Rl("delete", id));
        var gone = _s.Rl("state", id);
        Assert.True(gone.ExitCode != 0, $"state of a deleted container succeeded: {gone}");
        Assert.False(Directory.Exists(_s.StateDir(id)), $"{_s.StateDir(id)} is left after delete");
    }

    [UserFact]
    public void Delete_without_force_refuses_a_running_container_and_force_kills_it_all()
    {
        // Two more processes besides PID 1, so "nothing of it remains" covers the whole PID namespace.
        var (id, pid, _) = _s.RunDetached("delforce", "sleep 1000 & sleep 1000 & " + Scripts.TrapLoop);
        string? ns = Host.PidNamespaceOf(pid);
        Assert.NotNull(ns);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Host.ProcessesInPidNamespace(ns!).Count < 3 && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.True(Host.ProcessesInPidNamespace(ns!).Count >= 3, "the container's sleeps did not start");

        var refused = _s.Rl("delete", id);
        Assert.True(refused.ExitCode != 0, $"delete of a running container succeeded: {refused}");
        Assert.Equal("running", _s.Status(id));
        Assert.False(Host.ProcessGone(pid), "the init died from a refused delete");

        Ok(_s.Rl("delete", "--force", id));
        Assert.True(Host.ProcessGone(pid), $"init {pid} still alive after delete --force");
        Assert.Empty(Host.ProcessesInPidNamespace(ns!));
        Assert.False(Directory.Exists(_s.StateDir(id)));
        Assert.True(_s.Rl("state", id).ExitCode != 0);
    }

    [UserFact]
    public void Delete_force_of_a_missing_container_succeeds()
    {
        var r = _s.Rl("delete", "--force", _s.NewId("nosuch"));
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    [UserFact]
    public void Delete_force_of_a_stopped_container_succeeds()
    {
        var b = _s.NewBundle(["true"]);
        string id = _s.NewId("stopped");
        Ok(_s.Rl("create", "--bundle", b.Path, id));
        Ok(_s.Rl("start", id));
        _s.WaitForStatus(id, "stopped");
        Ok(_s.Rl("delete", "--force", id));
        Assert.False(Directory.Exists(_s.StateDir(id)));
    }
}

/// <summary>run -d, run --keep, and plain run's cleanup.</summary>
public sealed class RunModeTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    [UserFact]
    public void Run_detached_returns_while_the_container_runs()
    {
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", Scripts.TrapLoop]);
        string id = _s.NewId("detach");
        var r = _s.Rl(["run", "-d", "--bundle", b.Path, id], timeout: TimeSpan.FromSeconds(15));
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        Assert.Equal("running", _s.Status(id));
        int pid = _s.State(id)["pid"]!.GetValue<int>();
        Thread.Sleep(200);
        Assert.False(Host.ProcessGone(pid), "the detached container stopped");
        Assert.Equal("running", _s.Status(id));
    }

    [UserFact]
    public void Run_keep_leaves_a_stopped_state()
    {
        var b = _s.NewBundle(["true"]);
        string id = _s.NewId("keep");
        var r = _s.Rl("run", "--keep", "--bundle", b.Path, id);
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        Assert.True(Directory.Exists(_s.StateDir(id)), "run --keep left no state dir");
        Assert.Equal("stopped", _s.Status(id));
    }

    [UserFact]
    public void Plain_run_leaves_no_state()
    {
        var b = _s.NewBundle(["true"]);
        string id = _s.NewId("plain");
        var r = _s.Rl("run", "--bundle", b.Path, id);
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        Assert.False(Directory.Exists(_s.StateDir(id)), $"{_s.StateDir(id)} is left after run");
        Assert.True(_s.Rl("state", id).ExitCode != 0);
    }
}

/// <summary>podman calls delete with only XDG_RUNTIME_DIR (no PATH, no HOME).</summary>
public sealed class MinimalEnvironmentTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    ProcResult Rl(params string[] args) => _s.Rl(args, minimalEnv: true, defaultRoot: true);

    [UserFact]
    public void Lifecycle_works_with_only_XDG_RUNTIME_DIR()
    {
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", Scripts.TrapLoop]);
        string id = _s.NewId("minenv", defaultRoot: true);
        string defaultDir = Path.Join(Host.RuntimeDir, "rlrun", id);

        var create = Rl("create", "--bundle", b.Path, id);
        Assert.True(create.ExitCode == 0, create.ToString());
        Assert.True(Directory.Exists(defaultDir), $"no state in the default root {defaultDir}");
        Assert.Equal("created", _s.State(id, minimalEnv: true, defaultRoot: true)["status"]!.GetValue<string>());

        var start = Rl("start", id);
        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.Equal("running", _s.State(id, minimalEnv: true, defaultRoot: true)["status"]!.GetValue<string>());

        var kill = Rl("kill", id, "KILL");
        Assert.True(kill.ExitCode == 0, kill.ToString());
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_s.State(id, minimalEnv: true, defaultRoot: true)["status"]!.GetValue<string>() != "stopped")
        {
            Assert.True(DateTime.UtcNow < deadline, "not stopped 10 s after kill");
            Thread.Sleep(25);
        }

        var delete = Rl("delete", id);
        Assert.True(delete.ExitCode == 0, delete.ToString());
        Assert.False(Directory.Exists(defaultDir));
    }
}
