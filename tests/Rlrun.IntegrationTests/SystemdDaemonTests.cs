using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>The packaged user units (packaging/systemd/user) in the test user's real systemd
/// --user: rlrun.socket activates rlrun.service at the first `rlrun run -d --restart`, the daemon
/// says READY=1 and STATUS=, its containers get their own scopes, and stopping the service
/// leaves them running for the next (socket-activated) daemon to adopt. The units are put in
/// $XDG_RUNTIME_DIR/systemd/user (the manager's runtime unit directory) with ExecStart pointing at
/// this run's binary, and removed at the end.</summary>
[Collection(SystemdUserCollection.Name)]
public sealed class SystemdDaemonTests : IDisposable
{
    readonly Sandbox _s = new();
    readonly List<string> _ids = [];
    static SystemdUser M => SystemdUser.Current;
    string UnitDir => Path.Join(M.RuntimeDir, "systemd", "user");

    public void Dispose()
    {
        foreach (string id in _ids) Proc.Run(M.UserSpec(Host.Binary, ["delete", "--force", id]), timeout: TimeSpan.FromSeconds(30));
        M.StopIfLoaded("rlrun.socket");
        M.StopIfLoaded("rlrun.service");
        // A test cut short may have had a delete start a daemon outside the units: stop that one too.
        if (DaemonPing.Pid(Rl("daemon", "--ping")) is int pid) Host.Signal(pid, Host.SIGTERM);
        foreach (string f in new[] { "rlrun.socket", "rlrun.service", "rlrun.service.d/test.conf" })
            if (File.Exists(Path.Join(UnitDir, f))) File.Delete(Path.Join(UnitDir, f)); // a test may have installed none
        if (Directory.Exists(Path.Join(UnitDir, "rlrun.service.d"))) Directory.Delete(Path.Join(UnitDir, "rlrun.service.d"));
        M.Systemctl("daemon-reload");
        _s.Dispose();
    }

    void InstallUnits(string stateHome)
    {
        string packaging = Path.Join(Host.RepoRoot, "packaging", "systemd", "user");
        Directory.CreateDirectory(Path.Join(UnitDir, "rlrun.service.d"));
        File.Copy(Path.Join(packaging, "rlrun.socket"), Path.Join(UnitDir, "rlrun.socket"), overwrite: true);
        // make install's substitution, with this run's binary (rlrun-supervisor sits beside it).
        File.WriteAllText(Path.Join(UnitDir, "rlrun.service"),
            File.ReadAllText(Path.Join(packaging, "rlrun.service")).Replace("@BINDIR@/rlrun", Host.Binary));
        File.WriteAllText(Path.Join(UnitDir, "rlrun.service.d", "test.conf"), $"[Service]\nEnvironment=XDG_STATE_HOME={stateHome}\n");
        Host.ChownToUser(Path.Join(M.RuntimeDir, "systemd"));
        Ok(M.Systemctl("daemon-reload"), "daemon-reload");
        Ok(M.Systemctl("start", "rlrun.socket"), "start rlrun.socket");
    }

    static void Ok(ProcResult r, string what) => Assert.True(r.ExitCode == 0 && !r.TimedOut, $"{what} failed: {r}");

    ProcResult Rl(params string[] args) => Proc.Run(M.UserSpec(Host.Binary, args), timeout: TimeSpan.FromSeconds(60));

    JsonObject State(string id)
    {
        var r = Rl("state", id);
        Ok(r, $"state {id}");
        return JsonNode.Parse(r.Stdout)!.AsObject();
    }

    static void WaitFor(Func<bool> done, string what, Func<string>? detail = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (done()) return;
            Thread.Sleep(50);
        }
        Assert.Fail($"timed out waiting for {what}{(detail is null ? "" : ": " + detail())}");
    }

    [SystemdUserFact]
    public void The_socket_unit_activates_the_daemon_which_supervises_in_scopes_and_outlives_its_own_stop()
    {
        string stateHome = Path.Join(_s.Dir, "state-home");
        Directory.CreateDirectory(stateHome);
        Host.ChownToUser(stateHome);
        InstallUnits(stateHome);
        Assert.Equal("inactive", M.Show("rlrun.service", "ActiveState")["ActiveState"]);

        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", "echo up; " + Scripts.TrapLoop]);
        string id = $"it-unit-{Guid.NewGuid().ToString("N")[..10]}";
        _ids.Add(id);
        Ok(Rl("run", "-d", "--restart", "always", "--bundle", b.Path, id), "run -d --restart always");

        // Type=notify: active once READY=1 has arrived, which may be just after the answer to run.
        WaitFor(() => M.Show("rlrun.service", "ActiveState")["ActiveState"] == "active", "rlrun.service to be active",
            () => M.Show("rlrun.service", "ActiveState")["ActiveState"]);
        var service = M.Show("rlrun.service", "MainPID", "Type");
        Assert.Equal("notify", service["Type"]);
        var ping = Rl("daemon", "--ping");
        Ok(ping, "daemon --ping");
        Assert.Contains($"pid {service["MainPID"]},", ping.Stdout);
        WaitFor(() => M.Show("rlrun.service", "StatusText")["StatusText"] == "supervising 1 container(s), 1 running", "STATUS= of one running container",
            () => M.Show("rlrun.service", "StatusText")["StatusText"]);

        // auto mode in the daemon: the user manager answers, so the container has a scope of its own.
        var cgroup = State(id)["cgroup"]!;
        Assert.Equal("systemd", cgroup["manager"]!.GetValue<string>());
        Assert.Equal($"rlrun-{id}.scope", cgroup["unit"]!.GetValue<string>());
        int init = State(id)["pid"]!.GetValue<int>();
        WaitFor(() => File.Exists(Path.Join(stateHome, "rlrun", "logs", id + ".log")) &&
                      File.ReadAllText(Path.Join(stateHome, "rlrun", "logs", id + ".log")).Contains(" stdout F up"), "the output in the log");

        Ok(M.Systemctl("stop", "rlrun.service"), "stop rlrun.service");
        Assert.Equal("inactive", M.Show("rlrun.service", "ActiveState")["ActiveState"]);
        Thread.Sleep(300);
        Assert.False(Host.ProcessGone(init), $"container init {init} went with the daemon's service");

        // The next connection activates a new daemon, which adopts the container and restarts it when it dies.
        Ok(Rl("daemon", "--ping"), "daemon --ping after the stop");
        WaitFor(() => M.Show("rlrun.service", "ActiveState")["ActiveState"] == "active", "rlrun.service to be active again");
        Host.Signal(init, 9);
        WaitFor(() => Rl("state", id) is { ExitCode: 0 } r && JsonNode.Parse(r.Stdout)!["pid"]!.GetValue<int>() != init
                      && JsonNode.Parse(r.Stdout)!["status"]!.GetValue<string>() == "running", "the adopted container's restart");

        Ok(Rl("delete", "--force", id), "delete through the daemon");
        Assert.True(M.UnitGone($"rlrun-{id}.scope", out var seen), $"scope left behind: {seen}");
        Assert.False(File.Exists(Path.Join(stateHome, "rlrun", "logs", id + ".log")), "log left behind");
    }

    [SystemdUserFact]
    public void A_unit_generated_for_a_supervised_container_takes_it_over_from_the_daemon_and_restarts_it_per_its_policy()
    {
        // Its own state root, so its own daemon (started on demand), stopped at the end.
        string root = _s.StateRoot;
        ProcResult R(params string[] args) => Proc.Run(M.UserSpec(Host.Binary, ["--root", root, .. args]), timeout: TimeSpan.FromSeconds(60));
        int Pid(string id) => JsonNode.Parse(R("state", id).Stdout)?["pid"]?.GetValue<int>() ?? 0;
        string? Status(string id) => R("state", id) is { ExitCode: 0 } r ? JsonNode.Parse(r.Stdout)?["status"]?.GetValue<string>() : null;

        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", "echo up; " + Scripts.TrapLoop]);
        string id = $"it-gen-{Guid.NewGuid().ToString("N")[..10]}";
        string unit = $"rlrun-{id}.service";
        string unitFile = Path.Join(UnitDir, unit);
        try
        {
            Ok(R("run", "-d", "--restart", "always", "--bundle", b.Path, id), "run -d --restart always");
            WaitFor(() => Status(id) == "running", "the supervised container to run");
            int supervised = Pid(id);

            var gen = R("generate", "systemd", "--stop-timeout", "5", id);
            Ok(gen, "generate systemd");
            Assert.Contains("Restart=always", gen.Stdout);
            Directory.CreateDirectory(UnitDir);
            File.WriteAllText(unitFile, gen.Stdout);
            Host.ChownToUser(Path.Join(M.RuntimeDir, "systemd"));
            Ok(M.Systemctl("daemon-reload"), "daemon-reload");
            Ok(M.Systemctl("start", unit), $"start {unit}"); // Type=notify: back once the container runs

            // Taken over: the daemon stopped it and forgot it; systemd runs it now.
            Assert.True(Host.ProcessGone(supervised), $"the daemon's init {supervised} still runs");
            Assert.False(File.Exists(Path.Join(root, ".supervised", id + ".json")), "the daemon still has a record of it");
            Assert.Contains("0 container(s)", R("daemon", "--ping").Stdout);
            Assert.Equal("running", Status(id));
            int owned = Pid(id);
            Assert.Equal("active", M.Show(unit, "ActiveState")["ActiveState"]);

            // Restart=always, from the daemon's policy: systemd brings it back after a kill -9.
            Host.Signal(owned, 9);
            WaitFor(() => Status(id) == "running" && Pid(id) is int p && p != owned && p != 0, "systemd's restart of the container",
                () => M.Show(unit, "ActiveState", "NRestarts").Aggregate("", (a, kv) => a + kv.Key + "=" + kv.Value + " "));
            Assert.Contains("0 container(s)", R("daemon", "--ping").Stdout); // and no daemon took it back

            Ok(M.Systemctl("stop", unit), $"stop {unit}");
            Assert.Null(Status(id)); // ExecStopPost deleted it
        }
        finally
        {
            M.StopIfLoaded(unit);
            File.Delete(unitFile);
            M.Systemctl("daemon-reload");
            R("delete", "--force", id);
            if (DaemonPing.Pid(R("daemon", "--ping")) is int pid) Host.Signal(pid, Host.SIGTERM);
        }
    }
}
