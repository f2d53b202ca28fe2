using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Rlrun.FaultTests;

/// <summary>Restart storm (issue 18, item 1): the daemon supervises N containers under
/// --restart=always and every init is killed with -9 at once. All run again, each restarted once
/// (none started twice), and the figures are printed: time to all running, the daemon's RSS before
/// and after. N is 20 here and RLRUN_SOAK_STORM (500 under `make soak`).</summary>
public sealed class RestartStormTests : IDisposable
{
    readonly Sandbox _s = new();
    readonly RunningProc _daemon;
    readonly ITestOutputHelper _out;
    int _daemonPid;

    string SocketPath => Path.Join(_s.StateRoot, "daemon.sock");
    static int Count => int.TryParse(Environment.GetEnvironmentVariable("RLRUN_SOAK_STORM"), out int n) && n > 0 ? n : 20;

    public RestartStormTests(ITestOutputHelper output)
    {
        _out = output;
        string stateHome = Path.Join(_s.Dir, "state-home");
        Directory.CreateDirectory(stateHome);
        Host.ChownToUser(stateHome);
        _daemon = Proc.Start(Host.AsUser(Host.Binary, ["--root", _s.StateRoot, "daemon"],
            [.. Host.ShellEnv, new("XDG_STATE_HOME", stateHome), new("RLRUN_RESTART__INITIAL_DELAY", "100ms")]));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (Ask("""{"op":"ping"}""") is not { } ping || ping["ok"]?.GetValue<bool>() != true)
        {
            if (DateTime.UtcNow > deadline || _daemon.HasExited) throw new InvalidOperationException($"the daemon did not come up: {_daemon.Stderr}");
            Thread.Sleep(50);
        }
        _daemonPid = Ask("""{"op":"ping"}""")!["daemon"]!["pid"]!.GetValue<int>();
    }

    public void Dispose()
    {
        if (Ask("""{"op":"list"}""")?["containers"] is JsonArray list)
            Parallel.ForEach(list.Select(c => c!["id"]!.GetValue<string>()), new ParallelOptions { MaxDegreeOfParallelism = 4 },
                id => Ask($$"""{"op":"delete","id":"{{id}}","force":true}""", TimeSpan.FromSeconds(60)));
        if (!Host.ProcessGone(_daemonPid)) Host.Signal(_daemonPid, Host.SIGTERM);
        for (int i = 0; i < 200 && !Host.ProcessGone(_daemonPid); i++) Thread.Sleep(25);
        _daemon.Dispose();
        _s.Dispose();
    }

    JsonNode? Ask(string request, TimeSpan? timeout = null)
    {
        try
        {
            using var s = PeerSocket.Connect(SocketPath);
            PeerSocket.SendLine(s, request);
            return PeerSocket.ReadLine(s, timeout ?? TimeSpan.FromSeconds(30)) is { } line ? JsonNode.Parse(line) : null;
        }
        catch (SocketException) { return null; }
    }

    long RssKiB()
    {
        foreach (string l in File.ReadLines($"/proc/{_daemonPid}/status"))
            if (l.StartsWith("VmRSS:", StringComparison.Ordinal)) return long.Parse(l[6..].Trim().Split(' ')[0]);
        return -1;
    }

    List<JsonNode> Containers() => Ask("""{"op":"list"}""")!["containers"]!.AsArray().Select(c => c!).ToList();

    [UserFact]
    public void Every_container_killed_at_once_runs_again_restarted_once()
    {
        var b = _s.NewBundle(["/bin/busybox", "sleep", "1000000"]);
        var ids = Enumerable.Range(0, Count).Select(i => _s.NewId($"storm{i}")).ToList();
        var setup = Stopwatch.StartNew();
        Parallel.ForEach(ids, new ParallelOptions { MaxDegreeOfParallelism = 4 }, id =>
        {
            var r = Ask($$"""{"op":"run","id":"{{id}}","bundle":"{{b.Path}}","restart":"always"}""", TimeSpan.FromSeconds(120));
            Assert.True(r?["ok"]?.GetValue<bool>() == true, $"run {id}: {r?.ToJsonString() ?? "(no answer)"}");
        });
        double setupSeconds = setup.Elapsed.TotalSeconds;
        var before = Containers();
        Assert.Equal(Count, before.Count(c => c["state"]!.GetValue<string>() == "running"));
        Thread.Sleep(1000);
        long rssBefore = RssKiB();

        var pids = before.ToDictionary(c => c["id"]!.GetValue<string>(), c => c["pid"]!.GetValue<int>());
        var storm = Stopwatch.StartNew();
        foreach (int pid in pids.Values) Host.Signal(pid, Host.SIGKILL);
        List<JsonNode> after = [];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60 + Count / 2);
        while (DateTime.UtcNow < deadline)
        {
            after = Containers();
            if (after.All(c => c["state"]!.GetValue<string>() == "running" && c["pid"]!.GetValue<int>() != pids[c["id"]!.GetValue<string>()])) break;
            Thread.Sleep(100);
        }
        double allRunning = storm.Elapsed.TotalSeconds;
        Thread.Sleep(1000);
        long rssAfter = RssKiB();
        after = Containers();
        _out.WriteLine($"storm: {Count} containers (set up in {setupSeconds:0.0} s), all running again {allRunning:0.00} s after kill -9 of every init; daemon RSS {rssBefore} KiB before, {rssAfter} KiB after");

        Assert.All(after, c =>
        {
            string id = c["id"]!.GetValue<string>();
            Assert.Equal("running", c["state"]!.GetValue<string>());
            Assert.NotEqual(pids[id], c["pid"]!.GetValue<int>());
            Assert.Equal(1, c["restartCount"]!.GetValue<int>()); // restarted once: never started twice
            Assert.False(Host.ProcessGone(c["pid"]!.GetValue<int>()), $"{id}: its pid is gone");
        });
        // One live init per container: the pids are all different and alive.
        Assert.Equal(Count, after.Select(c => c["pid"]!.GetValue<int>()).Distinct().Count());
        // The storm's garbage is not kept: within a quarter (and 16 MiB) of where it was.
        Assert.True(rssAfter <= rssBefore * 5 / 4 + 16 * 1024, $"the daemon's RSS went from {rssBefore} KiB to {rssAfter} KiB");
    }
}
