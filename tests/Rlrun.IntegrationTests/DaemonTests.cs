using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>The per-user daemon with the real binaries, as the test user: `run -d --restart` through
/// a daemon started on demand, restarts, a manual stop, re-adoption after kill -9 of the daemon, log
/// capture and rotation, socket activation and readiness, the peer-uid check. Each test has its own
/// state root, so its own daemon, stopped at the end.</summary>
public sealed class DaemonTests : IDisposable
{
    readonly Sandbox _s = new();
    readonly string _stateHome;
    readonly List<string> _ids = [];
    readonly List<RunningProc> _procs = [];
    readonly List<KeyValuePair<string, string>> _env;

    public DaemonTests()
    {
        _stateHome = Path.Join(_s.Dir, "state-home");
        Directory.CreateDirectory(_stateHome);
        Host.ChownToUser(_stateHome);
        _env = [.. Host.ShellEnv, new("XDG_STATE_HOME", _stateHome), new("RLRUN_RESTART__INITIAL_DELAY", "50ms")];
    }

    public void Dispose()
    {
        // Deletes of supervised containers go through a daemon (one is started if none answers): stop it after.
        foreach (string id in _ids) Rl(["delete", "--force", id]);
        int? daemon = DaemonPid();
        foreach (var p in _procs) p.Dispose();
        if (daemon is { } pid && !Host.ProcessGone(pid))
        {
            Host.Signal(pid, Host.SIGTERM);
            for (int i = 0; i < 200 && !Host.ProcessGone(pid); i++) Thread.Sleep(25);
        }
        _s.Dispose();
    }

    ProcSpec RlSpec(IEnumerable<string> args, IEnumerable<KeyValuePair<string, string>>? extra = null) =>
        Host.AsUser(Host.Binary, ["--root", _s.StateRoot, .. args], [.. _env, .. extra ?? []]);

    ProcResult Rl(IEnumerable<string> args, IEnumerable<KeyValuePair<string, string>>? extra = null) =>
        Proc.Run(RlSpec(args, extra), timeout: TimeSpan.FromSeconds(60));

    string NewId(string tag)
    {
        string id = $"it-{tag}-{Guid.NewGuid().ToString("N")[..10]}";
        _ids.Add(id);
        return id;
    }

    string RecordPath(string id) => Path.Join(_s.StateRoot, ".supervised", id + ".json");
    string LogPath(string id) => Path.Join(_stateHome, "rlrun", "logs", id + ".log");
    string SocketPath => Path.Join(_s.StateRoot, "daemon.sock");

    JsonObject? Record(string id)
    {
        try { return JsonNode.Parse(File.ReadAllText(RecordPath(id)))?.AsObject(); }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException) { return null; }
    }

    int? DaemonPid() => DaemonPing.Pid(Rl(["daemon", "--ping"]));

    static void WaitFor(Func<bool> done, string what, Func<string>? detail = null, double seconds = 20)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (done()) return;
            Thread.Sleep(25);
        }
        Assert.Fail($"timed out waiting for {what}{(detail is null ? "" : ": " + detail())}");
    }

    // `state` with this test's environment: a `state` of a supervised container starts a daemon when
    // none answers, and that daemon must log where this test looks (XDG_STATE_HOME).
    JsonObject State(string id)
    {
        var r = Rl(["state", id]);
        Assert.True(r.ExitCode == 0, $"state {id} failed: {r}");
        return JsonNode.Parse(r.Stdout)!.AsObject();
    }

    string? Status(string id)
    {
        var r = Rl(["state", id]);
        if (r.ExitCode != 0) return null;
        try { return JsonNode.Parse(r.Stdout)?["status"]?.GetValue<string>(); }
        catch (System.Text.Json.JsonException) { return null; }
    }

    void WaitForStatus(string id, string wanted) =>
        WaitFor(() => Status(id) == wanted, $"container {id} to be {wanted}", () => Status(id) ?? "(state failed)");

    void KillDaemon()
    {
        int daemon = DaemonPid()!.Value;
        Host.Signal(daemon, 9);
        WaitFor(() => Host.ProcessGone(daemon), "the daemon to go");
    }

    int RunningPid(string id)
    {
        WaitForStatus(id, "running");
        return State(id)["pid"]!.GetValue<int>();
    }

    static int Count(string text, string word) => text.Split('\n').Count(l => l.Trim() == word);

    [UserFact]
    public void Run_d_on_failure_3_goes_through_a_daemon_started_on_demand_and_ends_stopped_with_the_exit_code()
    {
        Assert.Null(DaemonPid());
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", "echo started; echo oops >&2; exit 1"]);
        string id = NewId("d-onfail");

        var r = Rl(["run", "-d", "--restart", "on-failure:3", "--bundle", b.Path, id]);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.NotNull(DaemonPid());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SocketPath));
        WaitFor(() => Record(id)?["state"]?.GetValue<string>() == "Stopped", "the container to stay stopped", () => Record(id)?.ToJsonString() ?? "(no record)");
        var record = Record(id)!;
        Assert.Equal(3, record["restartCount"]!.GetValue<int>());
        Assert.Equal(1, record["lastExitCode"]!.GetValue<int>());
        Assert.Equal("stopped", Status(id));

        WaitFor(() => Count(Rl(["logs", id]).Stderr, "oops") == 4, "the last run's output in the log");
        var logs = Rl(["logs", id]);
        Assert.True(logs.ExitCode == 0, logs.ToString());
        Assert.Equal(4, Count(logs.Stdout, "started"));
        Assert.Equal(4, Count(logs.Stderr, "oops"));
        Assert.Contains(" stdout F started", File.ReadAllText(LogPath(id)));

        // A delete through the daemon forgets it: no record, no state, no log.
        Assert.Equal(0, Rl(["delete", id]).ExitCode);
        Assert.False(File.Exists(RecordPath(id)), "record left behind");
        Assert.False(Directory.Exists(_s.StateDir(id)), "state dir left behind");
        Assert.False(File.Exists(LogPath(id)), "log left behind");
    }

    [UserFact]
    public void Always_restarts_after_kill_9_a_stop_is_not_restarted_and_start_runs_it_again()
    {
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", "echo started; " + Scripts.TrapLoop]);
        string id = NewId("d-always");
        Assert.Equal(0, Rl(["run", "-d", "--restart", "always", "--bundle", b.Path, id]).ExitCode);
        int first = RunningPid(id);

        Host.Signal(first, 9);
        WaitFor(() => Status(id) == "running" && State(id)["pid"]!.GetValue<int>() != first, "a restart after kill -9");
        int second = State(id)["pid"]!.GetValue<int>();
        WaitFor(() => Record(id)?["restartCount"]?.GetValue<int>() == 1, "the record of the restart");

        var stop = Rl(["stop", id]);
        Assert.True(stop.ExitCode == 0, stop.ToString());
        Assert.True(Host.ProcessGone(second), $"init {second} still runs after stop");
        Thread.Sleep(500); // longer than the backoff: a restart would have come
        Assert.Equal("stopped", Status(id));
        Assert.True(Record(id)!["manuallyStopped"]!.GetValue<bool>());
        Assert.Equal(0, Record(id)!["lastExitCode"]!.GetValue<int>()); // the trap exits 0 on TERM

        Assert.Equal(0, Rl(["start", id]).ExitCode);
        int third = RunningPid(id);
        Assert.NotEqual(second, third);
        Assert.Equal(0, Record(id)!["restartCount"]!.GetValue<int>());
        // The log is written as the daemon drains the output: wait for it.
        WaitFor(() => Count(Rl(["logs", id]).Stdout, "started") == 3, "three starts in the log", () => Rl(["logs", id]).Stdout);
    }

    [UserFact]
    public void A_daemon_killed_with_9_leaves_the_container_running_and_the_next_one_adopts_it_and_restarts_it()
    {
        // Counts on stdout every 50 ms: the log must have every number, the ones written while no daemon ran too.
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", "trap 'exit 0' TERM; i=0; while :; do i=$((i+1)); echo n$i; sleep 0.05; done"]);
        string id = NewId("d-adopt");
        Assert.Equal(0, Rl(["run", "-d", "--restart", "always", "--bundle", b.Path, id]).ExitCode);
        int init = RunningPid(id);
        int daemon = DaemonPid()!.Value;

        Host.Signal(daemon, 9);
        WaitFor(() => Host.ProcessGone(daemon), "the daemon to go");
        Thread.Sleep(700);
        Assert.False(Host.ProcessGone(init), $"container init {init} died with the daemon");
        Assert.Null(DaemonPid());

        var next = Proc.Start(RlSpec(["daemon"]));
        _procs.Add(next);
        WaitFor(() => DaemonPid() is not null, "the new daemon", () => next.Stderr);
        Assert.Equal(init, State(id)["pid"]!.GetValue<int>());

        Host.Signal(init, 9);
        WaitFor(() => Status(id) == "running" && State(id)["pid"]!.GetValue<int>() != init, "the adopted container's restart", () => next.Stderr);
        WaitFor(() => Record(id)?["restartCount"]?.GetValue<int>() == 1, "the record of the restart", () => Record(id)?.ToJsonString() ?? "");
        Assert.Null(Record(id)!["lastExitCode"]); // not its parent: how it ended is unknown, a failure to the policy

        List<int> Numbers() => File.ReadAllLines(LogPath(id)).Select(l => l.Split(' ', 4)).Where(f => f.Length == 4 && f[3].StartsWith('n'))
            .Select(f => int.Parse(f[3][1..])).ToList();
        WaitFor(() => Numbers().IndexOf(1, 1) > 0, "the restarted run's first line in the log");
        var numbers = Numbers();
        int restartAt = numbers.IndexOf(1, 1);
        Assert.True(restartAt > 10, $"expected the first run's numbers, then a restart from n1: {string.Join(',', numbers.Take(60))}");
        Assert.Equal(Enumerable.Range(1, restartAt), numbers.Take(restartAt)); // nothing lost while no daemon ran
    }

    [UserFact]
    public void An_exit_while_no_daemon_ran_counts_as_a_failure_for_the_policy()
    {
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", "echo started; " + Scripts.TrapLoop]);
        string id = NewId("d-unseen");
        Assert.Equal(0, Rl(["run", "-d", "--restart", "on-failure:2", "--bundle", b.Path, id]).ExitCode);
        int init = RunningPid(id);
        int daemon = DaemonPid()!.Value;
        Host.Signal(daemon, 9);
        WaitFor(() => Host.ProcessGone(daemon), "the daemon to go");

        // The trap exits 0 on TERM: a success, had anyone seen it. Nobody did.
        Host.Signal(init, Host.SIGTERM);
        WaitFor(() => Host.ProcessGone(init), "the container to exit");
        var next = Proc.Start(RlSpec(["daemon"]));
        _procs.Add(next);
        WaitFor(() => DaemonPid() is not null, "the new daemon", () => next.Stderr);

        WaitFor(() => Status(id) == "running" && State(id)["pid"]!.GetValue<int>() != init, "the restart by the next daemon", () => next.Stderr);
        WaitFor(() => Record(id)?["restartCount"]?.GetValue<int>() == 1, "the record of the restart", () => Record(id)?.ToJsonString() ?? "");
        Assert.Null(Record(id)!["lastExitCode"]);
        WaitFor(() => Count(Rl(["logs", id]).Stdout, "started") == 2, "two starts in the log", () => Rl(["logs", id]).Stdout);
    }

    [UserFact]
    public void Without_a_daemon_to_be_had_run_d_says_why_and_delete_still_works()
    {
        var noSupervisor = new KeyValuePair<string, string>[] { new("RLRUN_SUPERVISOR", "/nonexistent/rlrun-supervisor") };
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", Scripts.TrapLoop]);
        string refused = NewId("d-nosup");
        var r = Rl(["run", "-d", "--restart", "always", "--bundle", b.Path, refused], noSupervisor);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("/nonexistent/rlrun-supervisor", r.Stderr);
        Assert.False(Directory.Exists(_s.StateDir(refused)), "state dir left behind");

        string id = NewId("d-orphaned");
        Assert.Equal(0, Rl(["run", "-d", "--restart", "always", "--bundle", b.Path, id]).ExitCode);
        int init = RunningPid(id);
        int daemon = DaemonPid()!.Value;
        Host.Signal(daemon, 9);
        WaitFor(() => Host.ProcessGone(daemon), "the daemon to go");

        var delete = Rl(["delete", "--force", id], noSupervisor);
        Assert.True(delete.ExitCode == 0, delete.ToString());
        Assert.Contains("deleting " + id + " without the daemon", delete.Stderr);
        WaitFor(() => Host.ProcessGone(init), "the container init to go");
        Assert.False(Directory.Exists(_s.StateDir(id)), "state dir left behind");
        Assert.False(File.Exists(RecordPath(id)), "record left behind");
        Assert.False(File.Exists(Path.Join(_s.StateRoot, ".supervised", id + ".stdout")), "FIFO left behind");
        Assert.False(File.Exists(LogPath(id)), "log left behind");
    }

    [UserFact]
    public void Logs_rotate_at_the_configured_size_and_keep_the_configured_number_of_files()
    {
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", "i=0; while [ $i -lt 300 ]; do i=$((i+1)); echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done; echo done; exec sleep 60"]);
        string id = NewId("d-rotate");
        var r = Rl(["run", "-d", "--restart", "always", "--bundle", b.Path, id], [new("RLRUN_LOGS__MAX_SIZE", "4k"), new("RLRUN_LOGS__MAX_FILES", "3")]);
        Assert.True(r.ExitCode == 0, r.ToString());
        WaitFor(() => File.Exists(LogPath(id)) && File.ReadAllText(LogPath(id)).Contains(" stdout F done"), "the last line in the log");

        Assert.True(File.Exists(LogPath(id) + ".1"), "no rotated file .1");
        Assert.True(File.Exists(LogPath(id) + ".2"), "no rotated file .2");
        Assert.False(File.Exists(LogPath(id) + ".3"), "more files than logs.max_files");
        foreach (string f in new[] { LogPath(id), LogPath(id) + ".1", LogPath(id) + ".2" })
            Assert.True(new FileInfo(f).Length <= 4096, $"{f} is {new FileInfo(f).Length} bytes, over 4k");
        var tail = Rl(["logs", "--tail", "2", id]);
        Assert.Equal(["line-300-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "done"], tail.Stdout.Trim().Split('\n'));
    }

    [UserFact]
    public void Socket_activation_and_readiness_through_sd_notify()
    {
        Directory.CreateDirectory(_s.StateRoot);
        Host.ChownToUser(_s.StateRoot);
        string notifyPath = Path.Join(_s.Dir, "notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(notifyPath));
        File.SetUnixFileMode(notifyPath, (UnixFileMode)0x1ff);

        // systemd-socket-activate binds the socket, and at the first connection execs the daemon with
        // LISTEN_FDS=1 and only the variables given with -E (as a socket unit does).
        var env = new List<KeyValuePair<string, string>>([.. _env, new("NOTIFY_SOCKET", notifyPath), new("XDG_RUNTIME_DIR", Host.RuntimeDir)]);
        var daemon = Proc.Start(Host.AsUser("/usr/bin/systemd-socket-activate",
            ["-l", SocketPath, .. env.Select(kv => $"-E{kv.Key}={kv.Value}"), Host.Binary, "--root", _s.StateRoot, "daemon"], _env));
        _procs.Add(daemon);
        WaitFor(() => File.Exists(SocketPath), "systemd-socket-activate to listen", () => daemon.Stderr);
        Assert.Null(Record("none"));
        var ping = Rl(["daemon", "--ping"]); // the connection that activates it, answered once it is up
        Assert.True(ping.ExitCode == 0, ping + daemon.Stderr);
        notify.ReceiveTimeout = 20000;
        var buf = new byte[4096];
        string message = Encoding.UTF8.GetString(buf, 0, notify.Receive(buf));

        Assert.Contains("READY=1", message.Split('\n'));
        Assert.Contains(message.Split('\n'), l => l.StartsWith("STATUS=serving " + SocketPath));
        WaitFor(() => daemon.Stderr.Contains("(socket activation)"), "the daemon to say it was socket-activated", () => daemon.Stderr);

        // The containers it starts inherit neither the socket nor the notify variable.
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", "echo env: $LISTEN_FDS $NOTIFY_SOCKET; ls /proc/self/fd | tr '\\n' ' '; echo; exec sleep 60"]);
        string id = NewId("d-activated");
        Assert.Equal(0, Rl(["run", "-d", "--restart", "always", "--bundle", b.Path, id]).ExitCode);
        WaitFor(() => Rl(["logs", id]).Stdout.Split('\n').Length > 2, "the container's two lines of output");
        var lines = Rl(["logs", id]).Stdout.Split('\n');
        Assert.Equal("env:", lines[0].Trim());
        Assert.Equal("0 1 2 3", lines[1].Trim()); // 3: ls's own directory fd
    }

    [TwoUidFact]
    public void A_peer_of_another_uid_is_refused()
    {
        var b = _s.NewBundle(["/bin/busybox", "sleep", "60"]);
        string id = NewId("d-peer");
        var run = Rl(["run", "-d", "--restart", "always", "--bundle", b.Path, id]);
        Assert.True(run.ExitCode == 0, run.ToString());

        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Connect(new UnixDomainSocketEndPoint(SocketPath)); // root passes the 0600 mode; the uid check does not
        // The refusal comes at once, before any request, and the daemon hangs up (a request
        // sent now could meet a closed socket).
        s.ReceiveTimeout = 20000;
        // Read to the end: the answer may come in more than one piece (its JSON, then its newline).
        var buf = new byte[4096];
        var received = new List<byte>();
        for (int n; (n = s.Receive(buf)) > 0;) received.AddRange(buf.AsSpan(0, n).ToArray());
        string answer = Encoding.UTF8.GetString(received.ToArray());
        Assert.EndsWith("}\n", answer);
        Assert.Single(answer.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // one answer, then the hang-up

        Assert.Contains("\"ok\":false", answer);
        Assert.Contains($"permission denied: the daemon serves uid {Host.Uid}, and the peer", answer);
        Assert.DoesNotContain(id, answer);
    }

    [UserFact]
    public void A_stop_holds_across_a_daemon_killed_with_9_even_with_restart_always()
    {
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", "echo started; " + Scripts.TrapLoop]);
        string id = NewId("d-stophold");
        Assert.Equal(0, Rl(["run", "-d", "--restart", "always", "--bundle", b.Path, id]).ExitCode);
        RunningPid(id);
        var stop = Rl(["stop", id]);
        Assert.True(stop.ExitCode == 0, stop.ToString());
        KillDaemon();

        // The next daemon (this list starts it) adopts the record: the stop is the user's, and holds.
        Assert.Equal(0, Rl(["list"]).ExitCode);
        WaitFor(() => DaemonPid() is not null, "a daemon started by list");
        WaitFor(() => Rl(["daemon", "--ping"]).Stdout.Contains("1 container(s)"), "the new daemon to adopt the container");
        Thread.Sleep(500); // longer than the backoff: a restart would have come
        Assert.Equal("stopped", Status(id));
        var record = Record(id)!;
        Assert.Equal("Stopped", record["state"]!.GetValue<string>());
        Assert.True(record["manuallyStopped"]!.GetValue<bool>(), record.ToJsonString());
        Assert.Equal(1, Count(Rl(["logs", id]).Stdout, "started"));

        // start is still what runs it again.
        Assert.Equal(0, Rl(["start", id]).ExitCode);
        RunningPid(id);
        Assert.False(Record(id)!["manuallyStopped"]!.GetValue<bool>());
    }

    [UserFact]
    public void After_kill_9_of_the_daemon_a_command_on_its_containers_brings_one_back_and_an_exit_is_restarted()
    {
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", "echo started; " + Scripts.TrapLoop]);
        string id = NewId("d-revive");
        Assert.Equal(0, Rl(["run", "-d", "--restart", "always", "--bundle", b.Path, id]).ExitCode);
        int init = RunningPid(id);
        KillDaemon();

        // The container exits while no daemon runs: nobody restarts it.
        Host.Signal(init, 9);
        WaitFor(() => Host.ProcessGone(init), "the container init to go");
        Thread.Sleep(300);
        Assert.Null(DaemonPid()); // `daemon --ping` starts none

        // Any command on supervised containers brings a daemon back, which applies the policy.
        var list = Rl(["list", "--format", "json"]);
        Assert.True(list.ExitCode == 0, list.ToString());
        WaitFor(() => DaemonPid() is not null, "a daemon started by list");
        WaitFor(() => Status(id) == "running" && State(id)["pid"]!.GetValue<int>() != init, "the restart by the revived daemon",
            () => File.Exists(Path.Join(_stateHome, "rlrun", "daemon.log")) ? File.ReadAllText(Path.Join(_stateHome, "rlrun", "daemon.log")) : "(no daemon.log)");
        WaitFor(() => Count(Rl(["logs", id]).Stdout, "started") == 2, "two starts in the log");

        // kill too: the daemon it starts sees the exit the kill causes.
        int second = State(id)["pid"]!.GetValue<int>();
        KillDaemon();
        Assert.Equal(0, Rl(["kill", id, "KILL"]).ExitCode);
        WaitFor(() => Status(id) == "running" && State(id)["pid"]!.GetValue<int>() != second, "the restart after a kill with no daemon");
    }

    [UserFact]
    public void Run_d_restart_no_is_the_daemons_with_a_log_while_a_plain_run_d_stays_runcs()
    {
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", "echo hello-out; echo hello-err >&2; exit 3"]);

        // Plain run -d: runc's. No daemon, no record, no log; the output goes where rlrun's goes.
        string plain = NewId("d-plain");
        var p = Rl(["run", "-d", "--bundle", b.Path, plain]);
        Assert.True(p.ExitCode == 0, p.ToString());
        Assert.Null(DaemonPid());
        Assert.False(File.Exists(RecordPath(plain)), "a plain run -d has a supervision record");
        Assert.False(File.Exists(LogPath(plain)), "a plain run -d has a log");
        WaitForStatus(plain, "stopped");

        // run -d --restart=no: the daemon's, which keeps the output and the exit, and restarts nothing.
        string id = NewId("d-restartno");
        var r = Rl(["run", "-d", "--restart", "no", "--bundle", b.Path, id]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("hello", r.Stdout + r.Stderr);
        Assert.NotNull(DaemonPid());
        WaitFor(() => Record(id)?["state"]?.GetValue<string>() == "Stopped", "the container to stop", () => Record(id)?.ToJsonString() ?? "(no record)");
        Assert.Equal(3, Record(id)!["lastExitCode"]!.GetValue<int>());
        Assert.Equal(0, Record(id)!["restartCount"]!.GetValue<int>());
        WaitFor(() => Rl(["logs", id]).Stderr.Contains("hello-err"), "the output in the log");
        var logs = Rl(["logs", id]);
        Assert.Equal("hello-out", logs.Stdout.Trim());
        Assert.Equal("hello-err", logs.Stderr.Trim());
    }

    [UserFact]
    public void A_warning_a_plain_run_said_once_for_the_state_root_is_not_said_again_by_the_daemon()
    {
        // Limits with --cgroup-manager disabled: a warning said once per state root, on any host.
        const string warning = "--cgroup-manager disabled: linux.resources are not enforced";
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", "exit 1"],
            c => c["linux"]!["resources"] = new JsonObject { ["pids"] = new JsonObject { ["limit"] = 100 } });
        var plain = Rl(["--cgroup-manager", "disabled", "run", "--bundle", b.Path, NewId("d-warn-plain")]);
        Assert.Equal(1, plain.ExitCode);
        Assert.Contains("rlrun: warning: " + warning, plain.Stderr);

        // Two starts of a supervised container: neither says it again.
        string id = NewId("d-warn");
        Assert.Equal(0, Rl(["--cgroup-manager", "disabled", "run", "-d", "--restart", "on-failure:1", "--bundle", b.Path, id]).ExitCode);
        WaitFor(() => Record(id)?["state"]?.GetValue<string>() == "Stopped", "the container to stop", () => Record(id)?.ToJsonString() ?? "(no record)");
        Assert.Equal(1, Record(id)!["restartCount"]!.GetValue<int>());
        string daemonLog = File.ReadAllText(Path.Join(_stateHome, "rlrun", "daemon.log"));
        Assert.Contains("serving ", daemonLog);
        Assert.DoesNotContain(warning, daemonLog);
    }

    [UserFact]
    public void Bad_input_starts_no_daemon_and_leaves_nothing_behind()
    {
        var bad = Rl(["run", "-d", "--restart", "sometimes", "--bundle", _s.Dir, NewId("d-bad")]);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("invalid --restart \"sometimes\"", bad.Stderr);
        Assert.Null(DaemonPid());

        string id = NewId("d-nobundle");
        var missing = Rl(["run", "-d", "--restart", "always", "--bundle", Path.Join(_s.Dir, "nonexistent"), id]);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("config.json", missing.Stderr);
        Assert.False(File.Exists(RecordPath(id)), "a record of the failed run left behind");
        Assert.False(Directory.Exists(_s.StateDir(id)), "a state dir of the failed run left behind");
        Assert.Equal("[]", Rl(["list", "--format", "json"]).Stdout.Trim());
    }
}
