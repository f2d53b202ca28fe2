using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>
/// rlrun started from where users start it, with the test user's systemd --user running (as
/// lingering keeps it on a real host): inside the manager's tree a container gets a scope;
/// from su, runuser, setpriv, a root service's cgroup or with no XDG_RUNTIME_DIR it runs without
/// one, says so once with what to run instead, and leaves no scope, cgroup or state behind. This
/// host has no systemd as PID 1, so nothing can move a process into the manager's tree: before
/// rlrun checked, every run from these places failed with a failed scope job.
/// </summary>
[Collection(SystemdUserCollection.Name)]
public sealed class LaunchContextTests : IDisposable
{
    readonly Sandbox _s = new();
    readonly List<string> _cgroups = [];
    static SystemdUser M => SystemdUser.Current;

    const string Hello = "hello-from-the-container";
    const string Unified = "/sys/fs/cgroup/unified";
    const string OutsideWords = "outside the systemd user manager's tree";

    public void Dispose()
    {
        // Containers first (their delete goes through the daemon), then the daemon by its pid.
        int? daemon = DaemonPid();
        _s.Dispose();
        if (daemon is int pid) Stop(pid);
        if (_daemonUnit is { } unit) M.StopIfLoaded(unit);
        foreach (var cg in _cgroups) RemoveCgroup(cg);
    }

    string? _daemonUnit;

    string Root => _s.StateRoot;
    string Env(string name, string value) => $"{name}={value}";
    string XdgRuntimeDir => Env("XDG_RUNTIME_DIR", M.RuntimeDir);
    string XdgStateHome => Env("XDG_STATE_HOME", Path.Join(_s.Dir, "state-home"));

    /// <summary>`rlrun --root ROOT ARGS` as a shell command line for su and runuser.</summary>
    string RlLine(params string[] args) =>
        string.Join(' ', new[] { Host.Binary, "--root", Root }.Concat(args).Select(a => $"'{a}'"));

    Bundle HelloBundle() => _s.NewBundle(["/bin/busybox", "echo", Hello]);

    /// <summary>Exit 0, the container's output, exactly one warning, naming why and what to run.</summary>
    static void RanWithoutCgroupSayingWhyOnce(ProcResult r, string because)
    {
        Assert.True(r.ExitCode == 0 && !r.TimedOut, $"the run failed: {r}");
        Assert.Contains(Hello, r.Stdout);
        var warnings = r.Stderr.Split('\n').Where(l => l.Contains("warning:")).ToList();
        Assert.True(warnings.Count == 1, $"exactly one warning expected, got {warnings.Count}: {r}");
        Assert.Contains("running without a cgroup", warnings[0]);
        Assert.Contains(because, warnings[0]);
        Assert.Contains("systemd-run --user", warnings[0]);
        // No error line, no job left to say so.
        Assert.DoesNotContain("StartTransientUnit", r.Stderr);
        Assert.DoesNotContain("rlrun: run:", r.Stderr);
    }

    /// <summary>No scope unit, no cgroup directory and no state directory of the container left.</summary>
    void NothingLeftOf(string id)
    {
        Assert.True(M.UnitGone($"rlrun-{id}.scope", out string seen), $"rlrun-{id}.scope left behind: {seen}");
        var strays = Directory.EnumerateDirectories(Unified, $"*{id}*", SearchOption.AllDirectories).ToList();
        Assert.True(strays.Count == 0, $"cgroups left behind: {string.Join(", ", strays)}");
        Assert.False(Directory.Exists(_s.StateDir(id)), $"state directory {_s.StateDir(id)} left behind");
    }

    [SystemdUserFact]
    public void Inside_the_managers_tree_the_container_gets_a_scope()
    {
        var bundle = _s.NewBundle(["/bin/busybox", "sh", "-c", Scripts.TrapLoop]);
        string id = _s.NewId("tree");
        var r = M.RunInManager(Host.Binary, ["--root", Root, "run", "-d", "--bundle", bundle.Path, id]);
        Assert.True(r.ExitCode == 0, $"run -d as a service of the manager: {r}");
        Assert.DoesNotContain("warning", r.Stderr);
        var cgroup = StateCgroup(id);
        Assert.Equal("systemd", cgroup?["manager"]?.GetValue<string>());
        Assert.Equal($"rlrun-{id}.scope", cgroup?["unit"]?.GetValue<string>());
        Assert.Equal("active", M.Show($"rlrun-{id}.scope", "ActiveState")["ActiveState"]);
        Assert.Contains($"/user@{Host.Uid}.service/", cgroup!["path"]!.GetValue<string>());
        Assert.Equal(0, _s.Rl("delete", "--force", id).ExitCode);
        NothingLeftOf(id);
    }

    [SystemdUserFact]
    public void Inside_a_systemd_run_scope_the_container_gets_a_scope_too()
    {
        var bundle = HelloBundle();
        string id = _s.NewId("scope");
        // What the warning tells users from su to run, started here from the manager's tree.
        var r = M.RunInManager(SystemdUser.SystemdRun, ["--user", "--scope", "--quiet", Host.Binary, "--root", Root, "--debug", "run", "--bundle", bundle.Path, id]);
        Assert.True(r.ExitCode == 0, $"systemd-run --user --scope rlrun run: {r}");
        Assert.Contains(Hello, r.Stdout);
        Assert.Contains("cgroup manager: systemd", r.Stderr);
        Assert.Contains($"rlrun-{id}.scope", r.Stderr);
        NothingLeftOf(id);
    }

    [SystemdUserFact]
    public void From_su_with_the_managers_runtime_dir_it_runs_without_a_cgroup()
    {
        var bundle = HelloBundle();
        string id = _s.NewId("su");
        var r = Proc.Run("/bin/su", [Host.TestUserName!, "-s", "/bin/sh", "-c",
            $"export {XdgRuntimeDir}; cd '{bundle.Path}' && {RlLine("run", id)}"], timeout: TimeSpan.FromSeconds(60));
        RanWithoutCgroupSayingWhyOnce(r, OutsideWords);
        NothingLeftOf(id);

        // Said once per state root: the next run is quiet.
        string id2 = _s.NewId("su2");
        var again = Proc.Run("/bin/su", [Host.TestUserName!, "-s", "/bin/sh", "-c",
            $"export {XdgRuntimeDir}; cd '{bundle.Path}' && {RlLine("run", id2)}"], timeout: TimeSpan.FromSeconds(60));
        Assert.True(again.ExitCode == 0 && again.Stdout.Contains(Hello), again.ToString());
        Assert.DoesNotContain("warning", again.Stderr);
    }

    [SystemdUserFact]
    public void From_su_without_xdg_runtime_dir_it_finds_the_manager_and_says_what_to_run()
    {
        // su, sudo -u and runuser set no XDG_RUNTIME_DIR: rlrun takes /run/user/UID, finds the
        // manager's bus there, and says why it cannot have a scope (not "no manager answers").
        var bundle = HelloBundle();
        string id = _s.NewId("su-noxdg");
        var r = Proc.Run("/bin/su", [Host.TestUserName!, "-s", "/bin/sh", "-c",
            $"unset XDG_RUNTIME_DIR DBUS_SESSION_BUS_ADDRESS; cd '{bundle.Path}' && {RlLine("run", id)}"], timeout: TimeSpan.FromSeconds(60));
        RanWithoutCgroupSayingWhyOnce(r, OutsideWords);
        NothingLeftOf(id);
    }

    [SystemdUserFact]
    public void From_runuser_it_runs_without_a_cgroup()
    {
        var bundle = HelloBundle();
        string id = _s.NewId("runuser");
        var r = Proc.Run("/usr/sbin/runuser", ["-u", Host.TestUserName!, "--", "/usr/bin/env", XdgRuntimeDir,
            Host.Binary, "--root", Root, "run", "--bundle", bundle.Path, id], timeout: TimeSpan.FromSeconds(60));
        RanWithoutCgroupSayingWhyOnce(r, OutsideWords);
        NothingLeftOf(id);
    }

    [SystemdUserFact]
    public void From_setpriv_with_a_clean_environment_and_the_bus_address_it_runs_without_a_cgroup()
    {
        var bundle = HelloBundle();
        string id = _s.NewId("setpriv");
        var r = Proc.Run(M.UserSpec(Host.Binary, ["--root", Root, "run", "--bundle", bundle.Path, id]), timeout: TimeSpan.FromSeconds(60));
        RanWithoutCgroupSayingWhyOnce(r, OutsideWords);
        NothingLeftOf(id);
    }

    [SystemdUserFact]
    public void Asking_for_systemd_from_outside_the_tree_is_a_clear_error_and_nothing_is_left()
    {
        var bundle = HelloBundle();
        string id = _s.NewId("explicit");
        var r = Proc.Run(M.UserSpec(Host.Binary, ["--root", Root, "--systemd-cgroup", "run", "--bundle", bundle.Path, id]), timeout: TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode != 0, $"--systemd-cgroup from outside the manager's tree must fail: {r}");
        Assert.Contains("--cgroup-manager systemd", r.Stderr);
        Assert.Contains(OutsideWords, r.Stderr);
        Assert.Contains("systemd-run --user", r.Stderr);
        Assert.DoesNotContain("job", r.Stderr);
        Assert.DoesNotContain(Hello, r.Stdout);
        NothingLeftOf(id);
    }

    [SystemdUserFact]
    public void From_a_root_services_cgroup_it_runs()
    {
        // A CI runner started by a system service: its children sit in a root-owned cgroup.
        string cg = NewRootCgroup("runner");
        var bundle = HelloBundle();
        string id = _s.NewId("service");
        var r = Proc.Run("/bin/sh", ["-c", $"echo $$ > {cg}/cgroup.procs && exec \"$@\"", "sh",
            SystemdUser.Setpriv, $"--reuid={Host.Uid}", $"--regid={Host.Gid}", "--init-groups", "env", "-i", XdgRuntimeDir,
            $"DBUS_SESSION_BUS_ADDRESS={M.BusAddress}", "PATH=/usr/bin:/bin", Host.Binary, "--root", Root, "run", "--bundle", bundle.Path, id],
            timeout: TimeSpan.FromSeconds(60));
        RanWithoutCgroupSayingWhyOnce(r, $"cgroup /{Path.GetFileName(cg)}");
        NothingLeftOf(id);
    }

    [SystemdUserFact]
    public void Without_xdg_runtime_dir_or_a_bus_it_runs_with_state_under_run_user()
    {
        var bundle = _s.NewBundle(["/bin/busybox", "sh", "-c", Scripts.TrapLoop]);
        string id = _s.NewId("noxdg", defaultRoot: true);
        var spec = new ProcSpec(SystemdUser.Setpriv, [$"--reuid={Host.Uid}", $"--regid={Host.Gid}", "--init-groups", "env", "-i", "PATH=/usr/bin:/bin",
            Host.Binary, "run", "-d", "--bundle", bundle.Path, id]);
        var r = Proc.Run(spec, timeout: TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, $"run -d with no XDG_RUNTIME_DIR: {r}");
        // The documented fallback: /run/user/UID/rlrun where that directory exists.
        string stateDir = Path.Join(M.RuntimeDir, "rlrun", id);
        Assert.True(File.Exists(Path.Join(stateDir, "state.json")), $"no state in {stateDir}: {r}");
        var del = Proc.Run(spec with { Args = [.. spec.Args.TakeWhile(a => a != "run"), "delete", "--force", id] }, timeout: TimeSpan.FromSeconds(30));
        Assert.True(del.ExitCode == 0, del.ToString());
        Assert.False(Directory.Exists(stateDir), $"{stateDir} left behind");
    }

    [SystemdUserFact]
    public void A_state_root_that_is_not_the_users_is_a_clear_error_and_nothing_is_made()
    {
        // Where nothing can work: the state root another user made first (as in a shared /tmp).
        string root = Path.Join(_s.Dir, "foreign-root");
        Directory.CreateDirectory(root);
        File.SetUnixFileMode(root, (UnixFileMode)0x1ff); // 0777, owned by root
        var bundle = HelloBundle();
        string id = _s.NewId("foreign");
        var r = Proc.Run(M.UserSpec(Host.Binary, ["--root", root, "run", "--bundle", bundle.Path, id]), timeout: TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode != 0, $"a state root owned by root must be refused: {r}");
        Assert.Contains($"state root {root} belongs to uid 0, not to you (uid {Host.Uid})", r.Stderr);
        Assert.Contains("--root", r.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(root));
    }

    [SystemdUserFact]
    public void A_scope_job_that_fails_in_auto_mode_falls_back_and_leaves_no_unit()
    {
        // With /run/systemd/system present rlrun takes the host for one where systemd as PID 1
        // moves processes for the user manager, asks, and the manager's job fails here: the case
        // of a system manager or policy that refuses the move.
        bool made = !Directory.Exists("/run/systemd/system");
        if (made) Directory.CreateDirectory("/run/systemd/system");
        try
        {
            var bundle = HelloBundle();
            string id = _s.NewId("jobfail");
            var r = Proc.Run(M.UserSpec(Host.Binary, ["--root", Root, "run", "--bundle", bundle.Path, id]), timeout: TimeSpan.FromSeconds(60));
            RanWithoutCgroupSayingWhyOnce(r, "failed to move the container into a transient scope");
            NothingLeftOf(id);
            Assert.False(M.Show($"rlrun-{id}.scope", "LoadState")["LoadState"] == "loaded", $"rlrun-{id}.scope is still loaded (failed)");
        }
        finally
        {
            if (made) Directory.Delete("/run/systemd/system");
        }
    }

    // The daemon started on demand from outside the manager's tree is a transient service of the
    // manager (rlrun-daemon-HASH.service in app.slice): it outlives the caller's session and its
    // containers get scopes. Before, it was a process of the caller's: in a root cgroup, its
    // containers without one, and killed with the caller's unit when started from systemd-run.

    [SystemdUserFact]
    public void The_daemon_started_from_su_supervises_and_restarts()
    {
        var (id, first) = RunSupervised(cmd => Proc.Run("/bin/su", [Host.TestUserName!, "-s", "/bin/sh", "-c",
            $"export {XdgRuntimeDir} {XdgStateHome}; {cmd}"], timeout: TimeSpan.FromSeconds(60)));
        DaemonIsAServiceOfTheManager(id);
        RestartsAfterKill(id, first);
    }

    [SystemdUserFact]
    public void The_daemon_started_from_runuser_supervises_and_restarts()
    {
        var (id, first) = RunSupervised(cmd => Proc.Run("/usr/sbin/runuser", ["-u", Host.TestUserName!, "--", "/usr/bin/env", XdgRuntimeDir, XdgStateHome,
            "/bin/sh", "-c", cmd], timeout: TimeSpan.FromSeconds(60)));
        DaemonIsAServiceOfTheManager(id);
        RestartsAfterKill(id, first);
    }

    [SystemdUserFact]
    public void The_daemon_started_from_setpriv_with_a_clean_environment_supervises_and_restarts()
    {
        var (id, first) = RunSupervised(cmd => Proc.Run(M.UserSpec("/usr/bin/env", [XdgStateHome, "/bin/sh", "-c", cmd]), timeout: TimeSpan.FromSeconds(60)));
        DaemonIsAServiceOfTheManager(id);
        RestartsAfterKill(id, first);
    }

    [SystemdUserFact]
    public void The_daemon_started_from_a_root_services_cgroup_supervises_and_restarts()
    {
        string cg = NewRootCgroup("runner-daemon");
        var (id, first) = RunSupervised(cmd => Proc.Run("/bin/sh", ["-c", $"echo $$ > {cg}/cgroup.procs && exec \"$@\"", "sh",
            SystemdUser.Setpriv, $"--reuid={Host.Uid}", $"--regid={Host.Gid}", "--init-groups", "env", "-i", XdgRuntimeDir, XdgStateHome,
            $"DBUS_SESSION_BUS_ADDRESS={M.BusAddress}", "PATH=/usr/bin:/bin", "/bin/sh", "-c", cmd], timeout: TimeSpan.FromSeconds(60)));
        DaemonIsAServiceOfTheManager(id);
        RestartsAfterKill(id, first);
    }

    [SystemdUserFact]
    public void The_daemon_started_from_a_systemd_run_service_outlives_it()
    {
        // `systemd-run --user --wait rlrun run -d --restart`: a daemon forked inside that service
        // died with it (systemd stops a service's whole cgroup when its main process exits).
        var (id, first) = RunSupervised(cmd => M.RunInManager("/bin/sh", ["-c", cmd], [new("XDG_STATE_HOME", Path.Join(_s.Dir, "state-home"))]));
        Thread.Sleep(500); // the calling service is gone by now, and would have taken the daemon with it
        DaemonIsAServiceOfTheManager(id);
        RestartsAfterKill(id, first);
    }

    [SystemdUserFact]
    public void Without_a_user_manager_the_daemon_is_a_detached_process_and_supervises()
    {
        // XDG_RUNTIME_DIR of the user's own with no bus in it: no manager to ask.
        string runtime = Path.Join(_s.Dir, "runtime");
        Directory.CreateDirectory(runtime);
        File.SetUnixFileMode(runtime, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Host.ChownToUser(runtime);
        var (id, first) = RunSupervised(cmd => Proc.Run(SystemdUser.Setpriv, [$"--reuid={Host.Uid}", $"--regid={Host.Gid}", "--init-groups",
            "env", "-i", $"XDG_RUNTIME_DIR={runtime}", XdgStateHome, "PATH=/usr/bin:/bin", "/bin/sh", "-c", cmd], timeout: TimeSpan.FromSeconds(60)));
        int daemon = DaemonPid() ?? throw new Xunit.Sdk.XunitException("no daemon answers");
        Assert.DoesNotContain("/app.slice/", File.ReadAllText($"/proc/{daemon}/cgroup"));
        Assert.Null(StateCgroup(id));
        RestartsAfterKill(id, first);
    }

    /// <summary>The daemon answering for this root runs in its transient service under the
    /// manager's app.slice, and the container it supervises got a scope of the manager.</summary>
    void DaemonIsAServiceOfTheManager(string id)
    {
        int daemon = DaemonPid() ?? throw new Xunit.Sdk.XunitException("no daemon answers");
        string cgroup = File.ReadAllLines($"/proc/{daemon}/cgroup").Single(l => l.StartsWith("0::"))[3..];
        Assert.Matches($@"/user@{Host.Uid}\.service/app\.slice/rlrun-daemon-[0-9a-f]{{16}}\.service$", cgroup);
        _daemonUnit = Path.GetFileName(cgroup);
        var c = StateCgroup(id);
        Assert.True(c?["manager"]?.GetValue<string>() == "systemd", $"the supervised container has no scope: {c?.ToJsonString() ?? "no cgroup"}");
    }

    [SystemdUserFact]
    public void The_daemon_run_as_a_user_service_supervises_in_a_scope()
    {
        // As rlrun.service runs it: a service of the manager (a transient one here).
        _daemonUnit = $"rlrun-it-daemon-{Guid.NewGuid().ToString("N")[..8]}.service";
        var started = Proc.Run(M.UserSpec(SystemdUser.SystemdRun, ["--user", "--quiet", $"--unit={_daemonUnit}", "-E", XdgStateHome,
            Host.Binary, "--root", Root, "daemon"]), timeout: TimeSpan.FromSeconds(30));
        Assert.True(started.ExitCode == 0, $"systemd-run --user rlrun daemon: {started}");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DaemonPid() is null && DateTime.UtcNow < deadline) Thread.Sleep(100);
        Assert.True(DaemonPid() is not null, $"the daemon in {_daemonUnit} does not answer");
        var (id, first) = RunSupervised(cmd => Proc.Run(M.UserSpec("/bin/sh", ["-c", cmd]), timeout: TimeSpan.FromSeconds(60)));
        Assert.Equal("systemd", StateCgroup(id)?["manager"]?.GetValue<string>());
        RestartsAfterKill(id, first);
    }

    /// <summary>`run -d --restart always` through LAUNCH (given the shell command); the daemon it
    /// starts on demand supervises the container: running, with its pid.</summary>
    (string Id, int Pid) RunSupervised(Func<string, ProcResult> launch)
    {
        Directory.CreateDirectory(Path.Join(_s.Dir, "state-home"));
        Host.ChownToUser(Path.Join(_s.Dir, "state-home"));
        var bundle = _s.NewBundle(["/bin/busybox", "sh", "-c", Scripts.TrapLoop]);
        string id = _s.NewId("daemon");
        var r = launch(RlLine("run", "-d", "--restart", "always", "--bundle", bundle.Path, id));
        Assert.True(r.ExitCode == 0 && !r.TimedOut, $"run -d --restart always: {r}");
        _s.WaitForStatus(id, "running", TimeSpan.FromSeconds(20));
        return (id, _s.State(id)["pid"]!.GetValue<int>());
    }

    void RestartsAfterKill(string id, int first)
    {
        Host.Signal(first, Host.SIGKILL);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        int now = first;
        while (DateTime.UtcNow < deadline)
        {
            if (_s.Status(id) == "running" && _s.State(id)["pid"]!.GetValue<int>() is int p && p != first) { now = p; break; }
            Thread.Sleep(100);
        }
        Assert.True(now != first, $"container {id} was not restarted by the daemon after kill -9 of {first}");
        Assert.Equal(0, _s.Rl("delete", "--force", id).ExitCode);
    }

    JsonObject? StateCgroup(string id) =>
        JsonNode.Parse(File.ReadAllText(Path.Join(_s.StateDir(id), "state.json")))?["cgroup"]?.AsObject();

    /// <summary>A root-owned cgroup at the top of the cgroup2 tree, as a system service's.</summary>
    string NewRootCgroup(string tag)
    {
        string cg = Path.Join(Unified, $"rlrun-it-{tag}-{Guid.NewGuid().ToString("N")[..8]}.service");
        Directory.CreateDirectory(cg);
        _cgroups.Add(cg);
        return cg;
    }

    /// <summary>The pid of the daemon that answers for this test's state root, if one does.</summary>
    int? DaemonPid() => DaemonPing.Pid(_s.Rl("daemon", "--ping"));

    static void Stop(int pid)
    {
        try { Host.Signal(pid, Host.SIGTERM); } catch (InvalidOperationException) { return; }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!Host.ProcessGone(pid) && DateTime.UtcNow < deadline) Thread.Sleep(50);
    }

    /// <summary>Moves what is left (a daemon's child) to the root cgroup, then removes it.</summary>
    static void RemoveCgroup(string cg)
    {
        try
        {
            foreach (var pid in File.ReadAllLines(Path.Join(cg, "cgroup.procs")))
                File.WriteAllText(Path.Join(Unified, "cgroup.procs"), pid);
            Directory.Delete(cg);
        }
        catch (Exception) { }
    }
}
