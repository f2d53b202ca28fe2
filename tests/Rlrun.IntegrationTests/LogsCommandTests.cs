using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>`rlrun logs` on log files laid down by hand in the user's XDG_STATE_HOME (the daemon
/// that writes them is tested end to end elsewhere): the stdout/stderr split, --tail, --since, -t,
/// -f ending with the container, and the errors.</summary>
public sealed class LogsCommandTests : IDisposable
{
    readonly Sandbox _s = new();
    readonly string _stateHome, _logDir, _root;

    public LogsCommandTests()
    {
        _stateHome = Path.Join(_s.Dir, "state-home");
        _logDir = Path.Join(_stateHome, "rlrun", "logs");
        _root = Path.Join(_s.Dir, "root");
        Directory.CreateDirectory(_logDir);
        Directory.CreateDirectory(_root);
    }

    public void Dispose() => _s.Dispose();

    ProcSpec Logs(params string[] args) =>
        Host.AsUser(Host.Binary, ["--root", _root, "logs", .. args], [.. Host.ShellEnv, new("XDG_STATE_HOME", _stateHome)]);

    ProcResult RunLogs(params string[] args) => Proc.Run(Logs(args));

    static string R(int second, string stream, char tag, string text) =>
        $"2026-12-01T10:00:{second:D2}.000000000Z {stream} {tag} {text}\n";

    /// <summary>A rotated file and the current one: two lines on each stream, a line split into P
    /// records, a malformed line, and a last line the container never ended.</summary>
    string LayLog()
    {
        string id = _s.NewId("logs");
        File.WriteAllText(Path.Join(_logDir, id + ".log.1"), R(1, "stdout", 'F', "one") + R(2, "stderr", 'F', "oops"));
        File.WriteAllText(Path.Join(_logDir, id + ".log"),
            R(3, "stdout", 'P', "tw") + "not a record\n" + R(4, "stdout", 'F', "o") + R(5, "stderr", 'F', "bad") + R(6, "stdout", 'P', "no newline"));
        Host.ChownToUser(_s.Dir);
        return id;
    }

    [Fact]
    public void A_container_without_a_log_file_is_an_error_naming_the_file()
    {
        Host.ChownToUser(_s.Dir);
        var r = RunLogs("nosuch");
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal($"rlrun: logs: container \"nosuch\" has no log file ({_logDir}/nosuch.log): only containers the rlrun daemon runs (run -d --restart, run -d --image) have logs, until they are deleted\n", r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void Stdout_records_go_to_stdout_and_stderr_records_to_stderr()
    {
        string id = LayLog();
        var r = RunLogs(id);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("one\ntwo\nno newline", r.Stdout);
        Assert.Equal("oops\nbad\n", r.Stderr);
    }

    [Fact]
    public void Tail_since_and_timestamps()
    {
        string id = LayLog();
        var tail = RunLogs("--tail", "3", id);
        Assert.True(tail.ExitCode == 0, tail.ToString());
        Assert.Equal("two\nno newline", tail.Stdout);
        Assert.Equal("bad\n", tail.Stderr);

        var none = RunLogs("--tail=0", id);
        Assert.Equal(("", ""), (none.Stdout, none.Stderr));
        Assert.Equal("one\ntwo\nno newline", RunLogs("--tail", "all", id).Stdout);

        var since = RunLogs("--since", "2026-12-01T11:00:02+01:00", id);
        Assert.Equal(("two\nno newline", "oops\nbad\n"), (since.Stdout, since.Stderr));

        // A duration counts back from now: a log with a record two hours old and one just written.
        string recent = _s.NewId("recent");
        string Stamp(DateTime t) => t.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff'00Z'", System.Globalization.CultureInfo.InvariantCulture);
        File.WriteAllText(Path.Join(_logDir, recent + ".log"),
            $"{Stamp(DateTime.UtcNow.AddHours(-2))} stdout F old\n{Stamp(DateTime.UtcNow)} stdout F new\n");
        Host.ChownToUser(_s.Dir);
        Assert.Equal("new\n", RunLogs("--since", "1h30m", recent).Stdout);
        Assert.Equal("old\nnew\n", RunLogs("--since", "3h", recent).Stdout);

        var stamped = RunLogs("-t", "--tail", "2", id);
        Assert.True(stamped.ExitCode == 0, stamped.ToString());
        Assert.Equal("2026-12-01T10:00:06.000000000Z no newline", stamped.Stdout);
        Assert.Equal("2026-12-01T10:00:05.000000000Z bad\n", stamped.Stderr);
        // A joined line carries the time of its first record.
        Assert.StartsWith("2026-12-01T10:00:01.000000000Z one\n2026-12-01T10:00:03.000000000Z two\n", RunLogs("--timestamps", id).Stdout);
    }

    [Theory]
    [InlineData("--since", "yesterday")]
    [InlineData("--since", "10x")]
    [InlineData("--tail", "-5")]
    [InlineData("--tail", "many")]
    public void Bad_values_name_the_flag(string flag, string value)
    {
        string id = LayLog();
        var r = RunLogs(flag, value, id);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains($"invalid {flag} \"{value}\"", r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void Follow_prints_new_output_while_the_daemon_supervises_and_ends_when_it_stops()
    {
        string id = LayLog();
        // What the daemon writes beside state.json: a supervised container between two runs.
        string supervision = Path.Join(_root, ".supervised", id + ".json");
        Directory.CreateDirectory(Path.GetDirectoryName(supervision)!);
        File.WriteAllText(supervision, "{\"spec\": {\"id\": \"" + id + "\"}, \"policy\": \"always\", \"state\": \"Restarting\"}");
        // A daemon listens (a stand-in): with a record and no daemon, logs would start a real one.
        using var daemon = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        daemon.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(Path.Join(_root, "daemon.sock")));
        daemon.Listen(8);
        File.SetUnixFileMode(Path.Join(_root, "daemon.sock"), (UnixFileMode)0x1b6);
        Host.ChownToUser(_s.Dir);

        using var follow = Proc.Start(Logs("-f", "--tail", "1", id));
        Assert.True(follow.WaitForStdout("no newline", TimeSpan.FromSeconds(10)), $"no output: {follow.Stdout} / {follow.Stderr}");
        Assert.Equal("", follow.Stderr); // the tail is the last line only
        File.AppendAllText(Path.Join(_logDir, id + ".log"), R(7, "stdout", 'F', " ends here") + R(8, "stderr", 'F', "restarted"));
        Assert.True(follow.WaitForStdout("no newline ends here\n", TimeSpan.FromSeconds(10)), $"the new record did not show: {follow.Stdout}");
        Thread.Sleep(300);
        Assert.False(follow.HasExited, "logs -f ended while the daemon still supervises the container");

        File.WriteAllText(supervision, "{\"spec\": {\"id\": \"" + id + "\"}, \"policy\": \"always\", \"state\": \"Stopped\"}");
        var r = follow.Wait(TimeSpan.FromSeconds(10));
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        Assert.Equal("no newline ends here\n", r.Stdout);
        Assert.Equal("restarted\n", r.Stderr);
    }

    [Fact]
    public void Follow_of_a_container_that_is_gone_prints_the_log_and_ends()
    {
        string id = LayLog();
        var r = Proc.Run(Logs("--follow", id), timeout: TimeSpan.FromSeconds(10));
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        Assert.Equal("one\ntwo\nno newline", r.Stdout);
        Assert.Equal("oops\nbad\n", r.Stderr);
    }
}
