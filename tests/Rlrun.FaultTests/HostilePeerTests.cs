using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Rlrun.FaultTests;

/// <summary>The daemon's socket under hostile peers of its own uid (issue 18, item 5): malformed
/// JSON, a 100 MiB line, one byte a second, 1,000 idle connections. The daemon answers or closes
/// each abuser, stays within its bounds (docs/daemon-protocol.md: 64 KiB a line, 10 s a line,
/// 128 connections) and keeps answering a well-behaved client meanwhile.</summary>
public sealed class HostilePeerTests : IDisposable
{
    readonly Sandbox _s = new();
    readonly RunningProc _daemon;
    readonly ITestOutputHelper _out;
    readonly List<Socket> _sockets = [];

    string SocketPath => Path.Join(_s.StateRoot, "daemon.sock");

    public HostilePeerTests(ITestOutputHelper output)
    {
        _out = output;
        string stateHome = Path.Join(_s.Dir, "state-home");
        Directory.CreateDirectory(stateHome);
        Host.ChownToUser(stateHome);
        _daemon = Proc.Start(Host.AsUser(Host.Binary, ["--root", _s.StateRoot, "daemon"], [.. Host.ShellEnv, new("XDG_STATE_HOME", stateHome)]));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!Answers(TimeSpan.FromSeconds(2)))
        {
            if (DateTime.UtcNow > deadline || _daemon.HasExited) throw new InvalidOperationException($"the daemon did not come up: {_daemon.Stderr}");
            Thread.Sleep(50);
        }
    }

    public void Dispose()
    {
        foreach (var s in _sockets) s.Dispose();
        int pid = DaemonPid;
        if (!Host.ProcessGone(pid)) Host.Signal(pid, Host.SIGTERM);
        for (int i = 0; i < 200 && !Host.ProcessGone(pid); i++) Thread.Sleep(25);
        _daemon.Dispose();
        _s.Dispose();
    }

    /// <summary>The daemon's own pid, as its ping says.</summary>
    int DaemonPid { get; set; }

    Socket Open()
    {
        var s = PeerSocket.Connect(SocketPath);
        lock (_sockets) _sockets.Add(s);
        return s;
    }

    /// <summary>A well-behaved client: a fresh connection whose ping is answered within TIMEOUT.</summary>
    bool Answers(TimeSpan timeout)
    {
        try
        {
            using var s = PeerSocket.Connect(SocketPath);
            PeerSocket.SendLine(s, """{"op":"ping"}""");
            if (PeerSocket.ReadLine(s, timeout) is not { } line || JsonNode.Parse(line) is not { } json || json["ok"]?.GetValue<bool>() != true) return false;
            DaemonPid = json["daemon"]!["pid"]!.GetValue<int>();
            return true;
        }
        catch (Exception e) when (e is SocketException or System.Text.Json.JsonException) { return false; }
    }

    long Status(string field)
    {
        foreach (string l in File.ReadLines($"/proc/{DaemonPid}/status"))
            if (l.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(l[(field.Length + 1)..].Trim().Split(' ')[0]);
        throw new InvalidOperationException($"no {field} in /proc/{DaemonPid}/status");
    }

    long RssKiB => Status("VmRSS");
    long Threads => Status("Threads");

    [UserFact]
    public void Malformed_lines_each_get_an_error_and_the_connection_serves_on()
    {
        var s = Open();
        string[] bad =
        [
            "{", "null", "[]", "\"op\"", "42", "{\"op\":5}", "{\"op\":\"nonsense\"}", "{\"op\":\"status\"}",
            "{\"op\":\"status\",\"id\":\"../../etc\"}", "{\"op\":\"run\",\"id\":\"x\"}", "{\"op\":\"stop\",\"id\":\"no-such\",\"timeout\":-1}",
            "\u0000\u0001\u0002\u00ff garbage", new string('{', 5000), "{\"op\":\"ping\"", "",
        ];
        var random = new Random(18);
        var lines = bad.Concat(Enumerable.Range(0, 50).Select(_ =>
            new string(Enumerable.Range(0, random.Next(1, 200)).Select(_ => (char)random.Next(1, 0x7f)).Where(c => c != '\n').ToArray())));
        foreach (string line in lines)
        {
            PeerSocket.SendLine(s, line);
            string? answer = PeerSocket.ReadLine(s, TimeSpan.FromSeconds(10));
            Assert.True(answer is not null, $"the daemon closed the connection after {line[..Math.Min(40, line.Length)]}");
            var json = JsonNode.Parse(answer!)!;
            Assert.False(json["ok"]?.GetValue<bool>() ?? false, $"{line} was accepted: {answer}");
            Assert.False(string.IsNullOrEmpty(json["error"]?.GetValue<string>()), answer);
        }
        PeerSocket.SendLine(s, """{"op":"ping"}""");
        Assert.Contains("\"ok\":true", PeerSocket.ReadLine(s, TimeSpan.FromSeconds(10)));
        Assert.False(_daemon.HasExited, _daemon.Stderr);
    }

    /// <summary>Without the 64 KiB bound the daemon would buffer the whole line (hundreds of MiB as
    /// UTF-16) before parsing it.</summary>
    [UserFact]
    public void A_100_MiB_line_is_cut_off_and_memory_stays_bounded()
    {
        long before = RssKiB;
        var s = Open();
        var chunk = new byte[1 << 20];
        Array.Fill(chunk, (byte)'a');
        long sent = 0;
        try
        {
            s.SendTimeout = 10_000;
            for (int i = 0; i < 100; i++) sent += s.Send(chunk);
        }
        catch (SocketException) { } // the daemon closed: what we want
        string? answer = PeerSocket.ReadLine(s, TimeSpan.FromSeconds(10));
        long after = RssKiB;
        _out.WriteLine($"sent {sent >> 20} MiB before the daemon closed; answer {answer}; RSS {before} KiB -> {after} KiB");
        Assert.True(sent < 100L << 20, $"the daemon read all 100 MiB of one line (answer: {answer})");
        Assert.Contains("longer than 65536 bytes", answer ?? "(closed without a word)");
        Assert.True(after - before < 32 * 1024, $"the daemon's RSS grew {after - before} KiB on one long line");
        Assert.True(Answers(TimeSpan.FromSeconds(5)), "the daemon stopped answering");
    }

    /// <summary>Without a deadline for a whole line, a peer sending one byte a second holds its
    /// connection (and the daemon's thread) for ever; 1,000 of them would hold 1,000 threads.</summary>
    [UserFact]
    public void A_peer_sending_one_byte_a_second_is_closed_after_the_deadline()
    {
        var s = Open();
        var watch = Stopwatch.StartNew();
        bool closed = false;
        var slowAnswers = new List<double>();
        foreach (char c in "{\"op\":\"ping\"         ")
        {
            try { s.Send([(byte)c]); }
            catch (SocketException) { closed = true; break; }
            var ping = Stopwatch.StartNew();
            Assert.True(Answers(TimeSpan.FromSeconds(5)), "the daemon stopped answering others while a slow peer trickled");
            slowAnswers.Add(ping.Elapsed.TotalMilliseconds);
            if (PeerSocket.ClosedByPeer(s, TimeSpan.FromSeconds(1))) { closed = true; break; }
        }
        _out.WriteLine($"closed {closed} after {watch.Elapsed.TotalSeconds:0.0} s; other pings {slowAnswers.Average():0} ms on average, {slowAnswers.Max():0} ms at most");
        Assert.True(closed, $"a peer trickling one byte a second was still connected after {watch.Elapsed.TotalSeconds:0} s");
        Assert.InRange(watch.Elapsed.TotalSeconds, 8, 16);
    }

    /// <summary>Without a bound on connections each idle peer holds a thread (and its stack) for
    /// good: 1,000 idle peers, 1,000 threads. With it, threads stay near 128, the longest idle are
    /// closed for newcomers, and a ping is answered at once.</summary>
    [UserFact]
    public void A_thousand_idle_connections_leave_the_daemon_serving()
    {
        long rssBefore = RssKiB, threadsBefore = Threads;
        var idle = new List<Socket>();
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 1000; i++) idle.Add(Open());
        double opened = watch.Elapsed.TotalSeconds;
        Thread.Sleep(500);
        var ping = Stopwatch.StartNew();
        Assert.True(Answers(TimeSpan.FromSeconds(5)), "the daemon did not answer a ping with 1,000 idle connections open");
        double pingMs = ping.Elapsed.TotalMilliseconds;
        long rss = RssKiB, threads = Threads;
        _out.WriteLine($"1000 connections in {opened:0.0} s; ping {pingMs:0} ms; threads {threadsBefore} -> {threads}; RSS {rssBefore} KiB -> {rss} KiB");
        Assert.True(threads <= threadsBefore + ControlSocketBound + 8, $"the daemon has {threads} threads with 1,000 idle peers (had {threadsBefore})");
        Assert.True(rss - rssBefore < 64 * 1024, $"the daemon's RSS grew {rss - rssBefore} KiB");
        // The survivors are closed by the deadline.
        Assert.True(idle.Where(s => s.Connected).Take(5).All(s => PeerSocket.ClosedByPeer(s, TimeSpan.FromSeconds(15))),
            "idle connections were not closed after the 10 s deadline");
        Assert.True(Answers(TimeSpan.FromSeconds(5)), "the daemon stopped answering");
    }

    const int ControlSocketBound = 128;
}
