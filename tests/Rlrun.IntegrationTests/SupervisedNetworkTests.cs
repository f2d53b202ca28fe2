using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>Networking of supervised containers (issue 14, items 3 and 6), end to end as the test
/// user, loopback only: busybox httpd on -p 127.0.0.1:PORT:80 under --restart=always serves again on
/// the same port after kill -9 of its init, through the daemon (pasta) and the foreground supervisor
/// (slirp4netns); kill -9 of the daemon leaves it serving, the next daemon adopts the helper (or
/// starts one that was killed meanwhile), and a delete stops it; kill -9 of the foreground rlrun
/// leaves no helper once delete ran. Each test has its own state root, so its own daemon, stopped at
/// the end (DaemonTests' harness).</summary>
public sealed class SupervisedNetworkTests : IDisposable
{
    const string Page = "hello-from-a-supervised-network";

    readonly Sandbox _s = new();
    readonly List<string> _ids = [];
    readonly List<RunningProc> _procs = [];
    readonly List<KeyValuePair<string, string>> _env;

    public SupervisedNetworkTests()
    {
        string stateHome = Path.Join(_s.Dir, "state-home");
        Directory.CreateDirectory(stateHome);
        Host.ChownToUser(stateHome);
        _env = [.. Host.ShellEnv, new("XDG_STATE_HOME", stateHome), new("RLRUN_RESTART__INITIAL_DELAY", "50ms")];
    }

    public void Dispose()
    {
        foreach (var p in _procs) p.Dispose();
        foreach (string id in _ids) Rl(["delete", "--force", id]);
        int? daemon = DaemonPid();
        if (daemon is { } pid && !Host.ProcessGone(pid))
        {
            Host.Signal(pid, Host.SIGTERM);
            for (int i = 0; i < 200 && !Host.ProcessGone(pid); i++) Thread.Sleep(25);
        }
        _s.Dispose();
    }

    ProcSpec RlSpec(IEnumerable<string> args) => Host.AsUser(Host.Binary, ["--root", _s.StateRoot, .. args], _env);

    ProcResult Rl(IEnumerable<string> args) => Proc.Run(RlSpec(args), timeout: TimeSpan.FromSeconds(60));

    RunningProc StartRl(IEnumerable<string> args)
    {
        var p = Proc.Start(RlSpec(args));
        _procs.Add(p);
        return p;
    }

    string NewId(string tag)
    {
        string id = $"it-{tag}-{Guid.NewGuid().ToString("N")[..10]}";
        _ids.Add(id);
        return id;
    }

    int? DaemonPid() => DaemonPing.Pid(Rl(["daemon", "--ping"]));

    string Dir(string id) => _s.StateDir(id);

    Bundle HttpdBundle()
    {
        var b = _s.NewBundle(["/bin/busybox", "httpd", "-f", "-p", "80", "-h", "/www"]);
        string www = Path.Join(b.Rootfs, "www");
        Directory.CreateDirectory(www);
        File.WriteAllText(Path.Join(www, "index.html"), Page + "\n");
        Host.ChownToUser(www);
        Host.ChownToUser(Path.Join(www, "index.html"));
        return b;
    }

    static void WaitFor(Func<bool> done, string what, Func<string>? detail = null, double seconds = 20)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (done()) return;
            Thread.Sleep(50);
        }
        Assert.Fail($"timed out waiting for {what}{(detail is null ? "" : ": " + detail())}");
    }

    static bool Serves(int port) => Loopback.Curl(port).Stdout.Contains(Page);

    int InitPid(string id) =>
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Join(Dir(id), "state.json")))!["pid"]!.GetValue<int>();

    int HelperPid(string id) => Loopback.NetworkState(Dir(id))?["helperPid"]?.GetValue<int>() ?? 0;

    int WatcherPid(string id) => Loopback.NetworkState(Dir(id))?["watcherPid"]?.GetValue<int>() ?? 0;

    /// <summary>kill -9 of the init; waits for a new init whose network serves the same port.</summary>
    (int Init, int Helper) KillInitAndWaitForTheRestart(string id, int port, Func<string> detail)
    {
        int init = InitPid(id), helper = HelperPid(id);
        Assert.True(helper > 0 && !Host.ProcessGone(helper), $"no live helper recorded: {Loopback.NetworkState(Dir(id))}");
        Host.Signal(init, Host.SIGKILL);
        WaitFor(() => File.Exists(Path.Join(Dir(id), "state.json")) && InitPid(id) != init && HelperPid(id) != 0 && Serves(port),
            $"the restarted container to serve on 127.0.0.1:{port} again", detail);
        Assert.True(Host.ProcessGone(helper), $"the first run's helper {helper} outlived its container");
        Assert.NotEqual(helper, HelperPid(id));
        return (InitPid(id), HelperPid(id));
    }

    void DeleteLeavesNothing(string id, int port, IEnumerable<int> helpers)
    {
        var d = Rl(["delete", "--force", id]);
        Assert.True(d.ExitCode == 0, d.ToString());
        // Unable to act, not necessarily out of the process table: pasta's tap takes 20-40 ms more
        // to unregister after delete returned (Host.CannotAct); its port is free at once.
        foreach (int pid in helpers) Assert.True(Host.CannotAct(pid), $"helper process {pid} can still act after delete");
        Assert.Empty(Loopback.HelpersOf(Dir(id)));
        Assert.True(Loopback.PortFree(port), $"port {port} is still held right after delete");
    }

    [HelperFact("pasta")]
    public void The_daemon_gives_a_restarted_container_its_network_and_port_back()
    {
        int port = Loopback.FreePort();
        string id = NewId("dnet");
        var r = Rl(["run", "-d", "--restart", "always", "--bundle", HttpdBundle().Path, "--network", "pasta", "-p", $"127.0.0.1:{port}:80", id]);
        Assert.True(r.ExitCode == 0, r.ToString());
        WaitFor(() => Serves(port), "the supervised container to serve", () => Loopback.Curl(port).ToString());
        Assert.Equal("pasta", Loopback.NetworkState(Dir(id))!["mode"]!.GetValue<string>());
        // A unit generated to take it over from the daemon runs it with the same network.
        var unit = Rl(["generate", "systemd", id]);
        Assert.True(unit.ExitCode == 0, unit.ToString());
        Assert.Contains($" --network pasta --publish 127.0.0.1:{port}:80/tcp {id}\n", unit.Stdout);

        var (_, helper) = KillInitAndWaitForTheRestart(id, port, () => Rl(["logs", id]).ToString());
        // And once more: each restart frees the port before the next helper takes it.
        var (_, helper2) = KillInitAndWaitForTheRestart(id, port, () => Rl(["logs", id]).ToString());
        Assert.True(Host.ProcessGone(helper));
        DeleteLeavesNothing(id, port, [helper2]);
    }

    [HelperFact("slirp4netns")]
    public void The_foreground_supervisor_gives_a_restarted_container_its_network_back_and_stops_it_at_the_end()
    {
        int port = Loopback.FreePort();
        string id = NewId("fgnet");
        var fg = StartRl(["run", "--restart", "always", "--bundle", HttpdBundle().Path, "--network", "slirp4netns", "-p", $"127.0.0.1:{port}:80", id]);
        WaitFor(() => Serves(port), "the supervised container to serve", () => fg.Stderr);

        var (init, helper) = KillInitAndWaitForTheRestart(id, port, () => fg.Stderr);
        // SIGTERM stops the container without a restart; run deletes it, its helper and port with it.
        Host.Signal(fg.Pid, Host.SIGTERM);
        WaitFor(() => fg.HasExited, "the foreground supervisor to exit", () => fg.Stderr);
        Assert.True(Host.ProcessGone(init), $"init {init} outlived its supervisor's stop");
        Assert.False(Directory.Exists(Dir(id)), "run --restart left the state dir");
        Assert.True(Host.ProcessGone(helper), $"helper {helper} outlived run --restart");
        Assert.Empty(Loopback.HelpersOf(Dir(id)));
        WaitFor(() => Loopback.PortFree(port), $"port {port} free after the run", seconds: 3);
    }

    [HelperFact("pasta")]
    public void After_kill_9_of_the_daemon_the_container_serves_on_and_the_next_daemon_adopts_and_deletes_its_helper()
    {
        int port = Loopback.FreePort();
        string id = NewId("dkill");
        var r = Rl(["run", "-d", "--restart", "always", "--bundle", HttpdBundle().Path, "-p", $"127.0.0.1:{port}:80", id]);
        Assert.True(r.ExitCode == 0, r.ToString());
        WaitFor(() => Serves(port), "the supervised container to serve");
        int helper = HelperPid(id), watcher = WatcherPid(id);

        int daemon = DaemonPid()!.Value;
        Host.Signal(daemon, Host.SIGKILL);
        WaitFor(() => Host.ProcessGone(daemon), "the daemon to die");
        Assert.True(Serves(port), "the container stopped serving when its daemon was killed");

        var next = StartRl(["daemon"]);
        WaitFor(() => DaemonPid() is not null, "the next daemon", () => next.Stderr);
        // Adopted as it is: the same helper, not a new one.
        Assert.Equal(helper, HelperPid(id));
        Assert.False(Host.ProcessGone(helper), $"helper {helper} died with the daemon");
        Assert.True(Serves(port));
        DeleteLeavesNothing(id, port, [helper, watcher]);
    }

    [HelperFact("pasta")]
    public void A_daemon_adopting_a_container_whose_helper_was_killed_starts_one_again_on_the_same_port()
    {
        int port = Loopback.FreePort();
        string id = NewId("drevive");
        var r = Rl(["run", "-d", "--restart", "always", "--bundle", HttpdBundle().Path, "--network", "pasta", "-p", $"127.0.0.1:{port}:80", id]);
        Assert.True(r.ExitCode == 0, r.ToString());
        WaitFor(() => Serves(port), "the supervised container to serve");
        int init = InitPid(id), helper = HelperPid(id), watcher = WatcherPid(id);

        int daemon = DaemonPid()!.Value;
        Host.Signal(daemon, Host.SIGKILL);
        WaitFor(() => Host.ProcessGone(daemon), "the daemon to die");
        // What a unit's stop of the daemon's whole cgroup would do: the helper and its watcher go.
        Host.Signal(watcher, Host.SIGKILL);
        Host.Signal(helper, Host.SIGKILL);
        WaitFor(() => Host.ProcessGone(helper) && Loopback.PortFree(port), "the helper to die and free the port");

        var next = StartRl(["daemon"]);
        WaitFor(() => DaemonPid() is not null, "the next daemon", () => next.Stderr);
        // The new helper serves a moment before the daemon records it in state.json (it saves once
        // the helper is ready): wait for both, or the old pid may still be read.
        WaitFor(() => Serves(port) && HelperPid(id) is int h && h != 0 && h != helper,
            "the adopted container to serve again with a new helper recorded", () => next.Stderr);
        Assert.Equal(init, InitPid(id)); // the same container: not restarted, only its helper
        // Said once the helper is ready: the line may reach us a moment after the first answer.
        WaitFor(() => next.Stderr.Contains("network helper was gone"), "the daemon to say it started the helper again", () => next.Stderr, seconds: 5);
        DeleteLeavesNothing(id, port, [HelperPid(id), WatcherPid(id)]);
    }

    [HelperFact("pasta")]
    public void Kill_9_of_rlrun_run_restart_leaves_no_helper_once_delete_ran()
    {
        int port = Loopback.FreePort();
        string id = NewId("fgkill");
        var fg = StartRl(["run", "--restart", "always", "--bundle", HttpdBundle().Path, "--network", "pasta", "-p", $"127.0.0.1:{port}:80", id]);
        WaitFor(() => Serves(port), "the supervised container to serve", () => fg.Stderr);
        var helpers = Loopback.HelpersOf(Dir(id));
        Assert.NotEmpty(helpers);

        Host.Signal(fg.Pid, Host.SIGKILL); // rlrun exec'd rlrun-supervisor: the same process
        WaitFor(() => fg.HasExited, "rlrun to die");
        Assert.True(Serves(port), "the container's network died with its supervisor");
        DeleteLeavesNothing(id, port, helpers);
    }
}
