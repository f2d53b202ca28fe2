using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>ps, kill --all, pause/resume, events --stats and update, as the unprivileged user. On the
/// test machine the user's containers have no cgroup (nothing delegated to it): pause, resume,
/// update and events then fail saying so. Under a delegated cgroup they must work instead.</summary>
public sealed class ProcessControlTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    static void Ok(ProcResult r) => Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());

    /// <summary>An init (PID 1: it ignores signals it has no handler for) with one child.</summary>
    internal const string InitWithChild = "sleep 1000 & wait";

    internal static List<int> WaitForProcesses(int initPid, int count)
    {
        string ns = Host.PidNamespaceOf(initPid) ?? throw new InvalidOperationException($"no pid namespace for {initPid}");
        var deadline = DateTime.UtcNow.AddSeconds(5);
        List<int> pids;
        while ((pids = Host.ProcessesInPidNamespace(ns)).Count < count && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.True(pids.Count >= count, $"expected {count} processes in the container, found {pids.Count}");
        return pids;
    }

    [UserFact]
    public void Ps_lists_the_init_and_its_child()
    {
        var (id, pid, _) = _s.RunDetached("ps", InitWithChild);
        var pids = WaitForProcesses(pid, 2);
        int child = pids.Single(p => p != pid);

        var json = _s.Rl("ps", "--format", "json", id);
        Ok(json);
        var listed = JsonNode.Parse(json.Stdout)!.AsArray().Select(n => n!.GetValue<int>()).Order().ToList();
        Assert.Equal(pids.Order().ToList(), listed);

        var table = _s.Rl("ps", id);
        Ok(table);
        var lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int col = Array.IndexOf(header, "PID");
        Assert.True(col >= 0, $"no PID column: {table}");
        var rowPids = lines.Skip(1).Select(l => int.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[col])).Order().ToList();
        Assert.Equal(new[] { pid, child }.Order().ToList(), rowPids);
        Assert.Contains(lines, l => l.Contains("sleep 1000"));
    }

    /// <summary>SIGTERM to the init alone is ignored (PID 1, no handler) and the child lives on;
    /// with --all the child dies too, `wait` returns and the container stops.</summary>
    [UserFact]
    public void Kill_all_signals_every_process_of_the_container()
    {
        var (id, pid, _) = _s.RunDetached("killall", InitWithChild);
        var pids = WaitForProcesses(pid, 2);

        Ok(_s.Rl("kill", id, "TERM"));
        Thread.Sleep(300);
        Assert.All(pids, p => Assert.False(Host.ProcessGone(p), $"process {p} died of a TERM sent to the init alone"));
        Assert.Equal("running", _s.Status(id));

        Ok(_s.Rl("kill", "--all", id, "TERM"));
        _s.WaitForStatus(id, "stopped");
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (pids.Any(p => !Host.ProcessGone(p)) && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.All(pids, p => Assert.True(Host.ProcessGone(p), $"process {p} outlived kill --all"));
    }

    /// <summary>runc 1.1: `kill --all` of a stopped container succeeds (it signals what is left in
    /// the cgroup; containerd's shim sends it at every stop), `kill` without --all fails.</summary>
    [UserFact]
    public void Kill_all_of_a_stopped_container_succeeds_as_runcs_does()
    {
        var (id, pid, _) = _s.RunDetached("killstopped", InitWithChild);
        Ok(_s.Rl("kill", id, "KILL"));
        _s.WaitForStatus(id, "stopped");
        Ok(_s.Rl("kill", "--all", id, "KILL"));
        var plain = _s.Rl("kill", id, "KILL");
        Assert.True(plain.ExitCode != 0 && plain.Stderr.Contains("not running"), $"kill of a stopped container: {plain}");
        Ok(_s.Rl("delete", id));
    }

    [UserFact]
    public void Pause_resume_update_and_events_need_a_cgroup()
    {
        var (id, pid, _) = _s.RunDetached("nocg");
        var state = _s.State(id);
        if (state["cgroup"] is not null)
        {
            // A delegated cgroup (e.g. under systemd-run --user): pause and resume must then work.
            Ok(_s.Rl("pause", id));
            Assert.Equal("paused", _s.Status(id));
            Ok(_s.Rl("resume", id));
            Assert.Equal("running", _s.Status(id));
            return;
        }
        foreach (var verb in new[] { "pause", "resume" })
        {
            var r = _s.Rl(verb, id);
            Assert.False(r.TimedOut, r.ToString());
            Assert.True(r.ExitCode != 0, $"{verb} of a container without a cgroup succeeded: {r}");
            Assert.Contains("no cgroup", r.Stderr);
            Assert.Contains(id, r.Stderr);
        }
        var update = _s.Rl("update", "--pids-limit", "100", id);
        Assert.True(update.ExitCode != 0, $"update of a container without a cgroup succeeded: {update}");
        Assert.Contains("no cgroup", update.Stderr);
        var events = _s.Rl("events", "--stats", id);
        Assert.True(events.ExitCode != 0, $"events --stats of a container without a cgroup succeeded: {events}");
        Assert.Contains("no cgroup", events.Stderr);
        // None of it touched the container.
        Assert.Equal("running", _s.Status(id));
        Assert.False(Host.ProcessGone(pid));
    }
}

/// <summary>The same as root, where rlrun makes a cgroup with the cgroupfs manager under the
/// cgroup2 mount (/sys/fs/cgroup/unified on the test machine): freeze, thaw, kill, stats.</summary>
public sealed class RootCgroupTests : IDisposable
{
    readonly Sandbox? _s = Host.IsRoot ? new Sandbox(asRoot: true) : null;
    public void Dispose() => _s?.Dispose();

    static void Ok(ProcResult r) => Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());

    /// <summary>The cgroup2 mount point, from /proc/self/mountinfo.</summary>
    static string? Cgroup2Mount() => File.ReadLines("/proc/self/mountinfo")
        .Select(l => l.Split(' '))
        .Where(f => f.Length > 9 && f[Array.IndexOf(f, "-") + 1] == "cgroup2")
        .Select(f => f[4]).FirstOrDefault();

    (string Id, int Pid, Bundle Bundle, string Cgroup) RunDetached(string tag, string script)
    {
        var b = _s!.NewBundle(["sh", "-c", script], readonlyRoot: false);
        string id = _s.NewId(tag);
        Ok(_s.Rl("run", "-d", "--bundle", b.Path, id));
        _s.WaitForStatus(id, "running");
        var state = _s.State(id);
        int pid = state["pid"]!.GetValue<int>();
        string? cgroup = state["cgroup"]?["path"]?.GetValue<string>();
        Assert.True(cgroup is not null, $"a root container got no cgroup: {state.ToJsonString()}");
        string? mount = Cgroup2Mount();
        Assert.NotNull(mount);
        Assert.Equal(Path.Join(mount, $"rlrun-{id}"), cgroup);
        Assert.True(Directory.Exists(cgroup), $"{cgroup} does not exist");
        Assert.Contains(pid.ToString(), File.ReadAllLines(Path.Join(cgroup, "cgroup.procs")));
        return (id, pid, b, cgroup!);
    }

    static long Counter(Bundle b)
    {
        string file = Path.Join(b.Rootfs, "tmp", "count");
        for (int i = 0; i < 50; i++)
        {
            try { if (long.TryParse(File.ReadAllText(file).Trim(), out long n)) return n; }
            catch (IOException) { }
            Thread.Sleep(20);
        }
        throw new Xunit.Sdk.XunitException($"{file}: no counter value");
    }

    static void WaitForCounterAbove(Bundle b, long value, string when)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Counter(b) <= value)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the counter did not advance past {value} {when}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Written by rename, so a freeze between truncate and write never leaves an empty file.</summary>
    const string CounterLoop = "i=0; while :; do i=$((i+1)); echo $i >/tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.02; done";

    [RootFact]
    public void Pause_freezes_resume_thaws_and_delete_force_removes_the_paused_cgroup()
    {
        var (id, pid, b, cgroup) = RunDetached("pause", CounterLoop);
        WaitForCounterAbove(b, 2, "after start");

        Ok(_s!.Rl("pause", id));
        Assert.Equal("paused", _s.Status(id));
        Assert.Contains("frozen 1", File.ReadAllLines(Path.Join(cgroup, "cgroup.events")));
        long frozenAt = Counter(b);
        Thread.Sleep(300);
        Assert.Equal(frozenAt, Counter(b));
        var again = _s.Rl("pause", id);
        Assert.True(again.ExitCode != 0, $"pause of a paused container succeeded: {again}");

        Ok(_s.Rl("resume", id));
        Assert.Equal("running", _s.Status(id));
        WaitForCounterAbove(b, frozenAt, "after resume");

        Ok(_s.Rl("pause", id));
        Assert.Equal("paused", _s.Status(id));
        var refused = _s.Rl("delete", id);
        Assert.True(refused.ExitCode != 0, $"delete (without --force) of a paused container succeeded: {refused}");
        Ok(_s.Rl(["delete", "--force", id], timeout: TimeSpan.FromSeconds(20)));
        Assert.True(Host.ProcessGone(pid), $"init {pid} survived delete --force of the paused container");
        Assert.False(Directory.Exists(cgroup), $"{cgroup} is left after delete --force");
        Assert.False(Directory.Exists(_s.StateDir(id)));
    }

    [RootFact]
    public void Kill_all_through_the_cgroup_reaches_every_process()
    {
        var (id, pid, _, cgroup) = RunDetached("killall", ProcessControlTests.InitWithChild);
        var pids = ProcessControlTests.WaitForProcesses(pid, 2);
        Assert.Equal(pids.Order(), File.ReadAllLines(Path.Join(cgroup, "cgroup.procs")).Select(int.Parse).Order());
        Ok(_s!.Rl("kill", "--all", id, "TERM"));
        _s.WaitForStatus(id, "stopped");
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (pids.Any(p => !Host.ProcessGone(p)) && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.All(pids, p => Assert.True(Host.ProcessGone(p), $"process {p} outlived kill --all"));
        Ok(_s.Rl("delete", id));
        Assert.False(Directory.Exists(cgroup), $"{cgroup} is left after delete");
    }

    [RootFact]
    public void Events_stats_prints_one_stats_line()
    {
        var (id, _, _, _) = RunDetached("events", "while :; do sleep 0.1; done");
        var r = _s!.Rl(["events", "--stats", id], timeout: TimeSpan.FromSeconds(10));
        Ok(r);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        var ev = JsonNode.Parse(line)!.AsObject();
        Assert.Equal("stats", ev["type"]!.GetValue<string>());
        Assert.Equal(id, ev["id"]!.GetValue<string>());
        var data = ev["data"]!.AsObject();
        Assert.NotNull(data["pids"]?["current"]);
        Assert.NotNull(data["cpu"]?["usage"]?["total"]);
        Assert.True(data["cpu"]!["usage"]!["total"]!.GetValue<ulong>() > 0, $"no CPU time counted: {line}");
        Assert.NotNull(data["memory"]);
    }
}
