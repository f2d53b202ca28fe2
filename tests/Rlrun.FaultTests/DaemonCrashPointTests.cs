using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Rlrun.FaultTests;

/// <summary>Crash points of the daemon (issue 18, item 2): the per-user daemon killed with SIGKILL
/// at named steps (docs/fault-points.md: the library's, which it runs, and its own daemon.*) of
/// run, start, restart, stop and delete of a container it supervises under --restart=always.
/// After each kill, while a daemon is coming back (the test holds ROOT/daemon.lock as a starting
/// daemon does), a command on the container answers and starts no second daemon, and the container
/// is whole or gone; after the next daemon has adopted it, it is supervised once or not at all, by
/// one daemon, a restart owed is made and a stop asked for holds; after delete nothing of it is
/// left (ContainerConsistency). Rounds: 1 of each of the 29 (trigger, step) pairs here,
/// RLRUN_SOAK_ROUNDS under `make soak`.</summary>
public sealed partial class DaemonCrashPointTests : IDisposable
{
    enum Trigger { Run, Restart, Stop, Start, Delete }

    static readonly (Trigger Trigger, string Step)[] Cases =
    [
        .. new[] { "create.claimed", "create.cgroup", "create.launched", "create.saved", "create.done", "run.started", "daemon.created", "daemon.started" }
            .Select(s => (Trigger.Run, s)),
        .. new[] { "daemon.restart.seen", "daemon.restart.due", "delete.cgroup-gone", "daemon.relaunch.deleted", "create.launched", "create.saved", "run.started", "daemon.restart.launched" }
            .Select(s => (Trigger.Restart, s)),
        .. new[] { "daemon.stop.recorded", "daemon.stop.signalled", "daemon.stop.exited" }.Select(s => (Trigger.Stop, s)),
        .. new[] { "delete.removed", "daemon.relaunch.deleted", "create.cgroup", "daemon.started" }.Select(s => (Trigger.Start, s)),
        .. new[] { "delete.locked", "delete.killed", "delete.cgroup-gone", "delete.removed", "daemon.delete.removed", "daemon.delete.forgotten" }
            .Select(s => (Trigger.Delete, s)),
    ];

    /// <summary>The steps a `run` passes: a case that needs a container before its trigger sets it
    /// up with a daemon that is not armed at its step.</summary>
    static readonly HashSet<string> ReachedByRun =
        ["create.claimed", "create.cgroup", "create.launched", "create.saved", "create.done", "run.started", "daemon.created", "daemon.started"];

    readonly Sandbox _s = new();
    readonly ContainerConsistency _check;
    readonly ITestOutputHelper _out;
    readonly string _stateHome;
    readonly List<RunningProc> _daemons = [];

    string SocketPath => Path.Join(_s.StateRoot, "daemon.sock");

    public DaemonCrashPointTests(ITestOutputHelper output)
    {
        _out = output;
        _check = new ContainerConsistency(_s, args => Rl(args));
        _stateHome = Path.Join(_s.Dir, "state-home");
        Directory.CreateDirectory(_stateHome);
        Host.ChownToUser(_stateHome);
        Proc.Run(Host.AsUser("/bin/sh", ["-c", "mkdir -p -m 0700 \"$0\" && : > \"$0/.fault-injection\"", _s.StateRoot]))
            .EnsureSuccess("arm the state root");
    }

    public void Dispose()
    {
        // Whatever is still supervised is deleted through a daemon, so that the sandbox's own
        // deletes find nothing supervised (they would start a daemon on demand, left running).
        try
        {
            if (Directory.Exists(Path.Join(_s.StateRoot, ".supervised")) && Directory.EnumerateFiles(Path.Join(_s.StateRoot, ".supervised"), "*.json").Any())
            {
                var d = DaemonsOfRoot().Count == 0 ? StartDaemon(null) : null;
                foreach (var c in Ask("""{"op":"list"}""")?["containers"]?.AsArray() ?? [])
                    Ask($$"""{"op":"delete","id":"{{c!["id"]}}","force":true}""");
                if (d is not null) StopDaemon(d);
            }
        }
        catch (Exception e) { _out.WriteLine($"clean-up: {e.Message}"); }
        foreach (int pid in DaemonsOfRoot()) Host.Signal(pid, Host.SIGTERM);
        foreach (var d in _daemons) d.Dispose();
        _s.Dispose();
    }

    static int Rounds => int.TryParse(Environment.GetEnvironmentVariable("RLRUN_CRASH_ROUNDS"), out int n) && n > 0 ? n
        : int.TryParse(Environment.GetEnvironmentVariable("RLRUN_SOAK_ROUNDS"), out int s) && s > 0 ? s : 1;

    List<KeyValuePair<string, string>> Env(string? step)
    {
        List<KeyValuePair<string, string>> env = [.. Host.ShellEnv, new("XDG_STATE_HOME", _stateHome), new("RLRUN_RESTART__INITIAL_DELAY", "100ms")];
        if (step is not null) env.Add(new("RLRUN_FAULT_AT", step));
        return env;
    }

    ProcResult Rl(string[] args) =>
        Proc.Run(Host.AsUser(Host.Binary, ["--root", _s.StateRoot, .. args], Env(null)), timeout: TimeSpan.FromSeconds(60));

    JsonNode? Ask(string request, TimeSpan? timeout = null)
    {
        try
        {
            using var sock = PeerSocket.Connect(SocketPath);
            PeerSocket.SendLine(sock, request);
            return PeerSocket.ReadLine(sock, timeout ?? TimeSpan.FromSeconds(60)) is { } line ? JsonNode.Parse(line) : null;
        }
        catch (Exception e) when (e is SocketException or IOException) { return null; }
    }

    static bool Ok(JsonNode? answer) => answer?["ok"]?.GetValue<bool>() == true;

    RunningProc StartDaemon(string? step)
    {
        var d = Proc.Start(Host.AsUser(Host.Binary, ["--root", _s.StateRoot, "daemon"], Env(step)));
        _daemons.Add(d);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!Ok(Ask("""{"op":"ping"}""", TimeSpan.FromSeconds(5))))
        {
            if (DateTime.UtcNow > deadline || d.HasExited) throw new InvalidOperationException($"the daemon ({step ?? "not armed"}) did not come up: {d.Stderr}");
            Thread.Sleep(20);
        }
        return d;
    }

    static void StopDaemon(RunningProc d)
    {
        if (!d.HasExited) Host.Signal(d.Pid, Host.SIGTERM);
        var exit = d.Wait(TimeSpan.FromSeconds(20));
        Assert.True(exit.ExitCode == 0, $"the daemon did not stop cleanly on SIGTERM: {exit}");
    }

    /// <summary>Live daemons of this state root (rlrun-supervisor daemon --root ROOT ...).</summary>
    List<int> DaemonsOfRoot()
    {
        string marker = $"\0daemon\0--root\0{_s.StateRoot}\0";
        var found = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Join(dir, "cmdline")).Contains(marker) && !Host.ProcessGone(pid)) found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return found;
    }

    List<JsonNode> Supervised(string id) =>
        (Ask("""{"op":"list"}""")?["containers"]?.AsArray() ?? []).Where(c => c!["id"]!.GetValue<string>() == id).Select(c => c!).ToList();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(int fd, int op);

    /// <summary>Holds ROOT/daemon.lock as a daemon that is coming up does, until disposed.</summary>
    IDisposable HoldDaemonLock()
    {
        var file = File.Open(Path.Join(_s.StateRoot, "daemon.lock"), new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite });
        Assert.True(flock((int)file.SafeFileHandle.DangerousGetHandle(), 2 | 4) == 0, $"the daemon lock is held: errno {Marshal.GetLastPInvokeError()}");
        return file; // closing it lets go
    }

    void Round(Bundle b, string tag, Trigger trigger, string step)
    {
        string id = _s.NewId("dcrash");
        string run = $$"""{"op":"run","id":"{{id}}","bundle":"{{b.Path}}","restart":"always"}""";
        string stop = $$"""{"op":"stop","id":"{{id}}","timeout":5}""";
        string how = $"(the daemon killed at {step} of a {trigger.ToString().ToLowerInvariant()})";
        string what = $"{id} {how}";

        void SetUp()
        {
            var r = Ask(run);
            Assert.True(Ok(r), $"{what}: the run before it failed: {r?.ToJsonString() ?? "(no answer)"}");
            if (trigger == Trigger.Start) Assert.True(Ok(r = Ask(stop)), $"{what}: the stop before it failed: {r?.ToJsonString() ?? "(no answer)"}");
        }
        if (trigger != Trigger.Run && ReachedByRun.Contains(step))
        {
            var setup = StartDaemon(null);
            SetUp();
            StopDaemon(setup); // the container keeps running; the armed daemon adopts it
        }
        var armed = StartDaemon(step);
        if (trigger != Trigger.Run && !ReachedByRun.Contains(step)) SetUp();
        switch (trigger)
        {
            case Trigger.Run: Ask(run); break;
            case Trigger.Start: Ask($$"""{"op":"start","id":"{{id}}"}"""); break;
            case Trigger.Stop: Ask(stop); break;
            case Trigger.Delete: Ask($$"""{"op":"delete","id":"{{id}}","force":true}"""); break;
            case Trigger.Restart:
                // An adopting daemon lists a container as creating (pid 0) until its actor has
                // looked: kill(0) would be the test's own process group.
                int pid = 0;
                var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
                while ((pid = Supervised(id).SingleOrDefault() is { } c && c["state"]!.GetValue<string>() == "running" ? c["pid"]!.GetValue<int>() : 0) <= 0 && DateTime.UtcNow < until)
                    Thread.Sleep(20);
                Assert.True(pid > 0, $"{what}: not running before the kill: {Ask("""{"op":"list"}""")?.ToJsonString()}");
                Host.Signal(pid, Host.SIGKILL);
                break;
        }
        var exit = armed.Wait(TimeSpan.FromSeconds(30));
        Assert.True(exit.ExitCode == 128 + Host.SIGKILL, $"{what}: the daemon was to kill itself there (exit 137): {exit}");

        // A daemon is coming back (it holds the lock, no socket yet): a command on the container
        // answers from the state and starts no second daemon.
        string when = "after the kill, while a daemon comes back";
        using (HoldDaemonLock())
        {
            _check.AssertWholeOrGone(id, tag, $"{when} {how}");
            Assert.True(DaemonsOfRoot().Count == 0, $"{what}: a command started a daemon while another held the lock: {string.Join(' ', DaemonsOfRoot())}");
        }

        var next = StartDaemon(null);
        when = "after the next daemon adopted it";
        // Adoption settles: a restart owed is made, a stop asked for is finished.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        List<JsonNode> seen;
        bool Settled(List<JsonNode> l) => l.Count == 0 || l[0]["state"]!.GetValue<string>() is var st
            && st is not ("creating" or "restarting" or "stopping")
            && (trigger != Trigger.Restart || st == "running") && (trigger != Trigger.Stop || st == "stopped");
        while (!Settled(seen = Supervised(id)) && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.True(seen.Count <= 1, $"{what} {when}: supervised {seen.Count} times");
        Assert.Equal([next.Pid], DaemonsOfRoot());
        var state = _check.AssertWholeOrGone(id, tag, $"{when} {how}");
        if (seen.Count == 1)
        {
            string st = seen[0]["state"]!.GetValue<string>();
            if (trigger == Trigger.Restart) Assert.True(st == "running", $"{what} {when}: {st}, not running: the restart it owed was lost");
            if (trigger == Trigger.Stop) Assert.True(st == "stopped", $"{what} {when}: {st}, not stopped: the stop asked for was lost");
            if (st == "running")
            {
                Assert.True(state?["status"]?.GetValue<string>() == "running", $"{what} {when}: supervised as running, but state says {state?.ToJsonString() ?? "it does not exist"}");
                Assert.Equal(seen[0]["pid"]!.GetValue<int>(), state!["pid"]!.GetValue<int>());
            }
            else ContainerConsistency.WaitNone(id, tag, $"{when} ({st}) {how}");
        }
        else Assert.False(File.Exists(Path.Join(_s.StateRoot, ".supervised", id + ".json")), $"{what} {when}: not supervised, but its record is there");
        var cgroups = _check.CgroupsOf(id);
        var del = Rl(["delete", "--force", id]);
        Assert.True(del.ExitCode == 0, $"{what} {when}: delete --force failed: {del}");
        _check.AssertNothingLeft(id, tag, cgroups, $"{when} and delete --force {how}");
        StopDaemon(next);
        Assert.Empty(DaemonsOfRoot());
    }

    [UserFact]
    public void Daemon_killed_at_every_step_supervises_each_container_once_or_not_at_all()
    {
        string tag = $"FAULTS_TAG={Guid.NewGuid():N}";
        var b = _s.NewBundle(["sh", "-c", Scripts.TrapLoop], c => c["process"]!["env"]!.AsArray().Add(tag));
        var watch = Stopwatch.StartNew();
        // Every case is tried, and all that failed are told at once; a failed case's daemons go.
        var failures = new List<string>();
        for (int round = 0; round < Rounds; round++)
            foreach (var (trigger, step) in Cases)
            {
                try { Round(b, tag, trigger, step); }
                catch (Exception e) when (e is Xunit.Sdk.XunitException or InvalidOperationException)
                {
                    failures.Add(e.Message);
                    _out.WriteLine($"FAILED: {e.Message}");
                    foreach (int pid in DaemonsOfRoot()) Host.Signal(pid, Host.SIGKILL);
                }
            }
        _out.WriteLine($"crash points: {Rounds * Cases.Length} kills of the daemon at {Cases.Length} steps of run, restart, stop, start and delete in {watch.Elapsed.TotalSeconds:0.0} s, each container supervised once or gone");
        Assert.True(failures.Count == 0, $"{failures.Count} of {Rounds * Cases.Length} cases failed:\n{string.Join("\n", failures)}");
    }
}
