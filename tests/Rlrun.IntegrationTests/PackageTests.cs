using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Sdk;

namespace Rlrun.IntegrationTests;

/// <summary>The Debian package (packaging/deb/build.sh, `make deb`) on this machine: built from the
/// binaries under test, checked by lintian (no error), installed with dpkg -i, used as the
/// unprivileged test user (a container run by /usr/bin/rlrun; `podman --runtime rlrun` with the
/// package's drop-in alone naming the runtime; rlrun.socket activating the daemon; a .container
/// file turned into a service by the installed user generator, started in the real systemd --user
/// and restarted when its container dies; man pages and completions in place), then purged,
/// leaving nothing. Root only: it installs a package. About a minute, most of it lintian.</summary>
[Collection(SystemdUserCollection.Name)]
public sealed class PackageTests : IDisposable
{
    const string Installed = "/usr/bin/rlrun";
    static SystemdUser M => SystemdUser.Current;
    readonly Sandbox _s = new();
    readonly string _name = $"packaging-{Guid.NewGuid().ToString("N")[..8]}";
    bool _installed;
    string? _daemonId;

    string ContainerFile => Path.Join(Home, ".config", "containers", "rlrun", $"{_name}.container");
    static string Home => Proc.Run("/usr/bin/getent", ["passwd", Host.TestUserName!]).Stdout.Split(':')[5];

    public void Dispose()
    {
        if (_installed)
        {
            // The daemon's container is deleted by the installed daemon, before it goes: the sandbox's
            // delete would start a daemon of the binary under test outside the units.
            if (_daemonId is not null) M.RunInManager(Installed, ["delete", "--force", _daemonId]);
            M.StopIfLoaded($"rlrun-{_name}.service");
            M.StopIfLoaded("rlrun.socket");
            M.StopIfLoaded("rlrun.service");
            if (File.Exists(ContainerFile)) File.Delete(ContainerFile);
            Proc.Run("/usr/bin/dpkg", ["--purge", "rlrun"], timeout: TimeSpan.FromSeconds(120));
            M.Systemctl("daemon-reload");
        }
        _s.Dispose();
        // A test cut short may still have had one started: stop it (it answers --ping with its PID).
        // Only ours: the binary under test's supervisor, or the package's (another run's daemon is left).
        if (DaemonPing.Pid(Proc.Run(M.UserSpec(Host.Binary, ["daemon", "--ping"]))) is int pid
            && File.ResolveLinkTarget($"/proc/{pid}/exe", false)?.FullName is { } exe
            && (exe == "/usr/bin/rlrun-supervisor" || exe == Path.Join(Path.GetDirectoryName(Host.Binary)!, "rlrun-supervisor")))
            Host.Signal(pid, Host.SIGTERM);
    }

    static void Ok(ProcResult r, string what) => Assert.True(r.ExitCode == 0 && !r.TimedOut, $"{what} failed: {r}");

    internal static string? HostSkip()
    {
        if (!File.Exists("/usr/bin/dpkg-deb") || !File.Exists("/usr/bin/dpkg-shlibdeps")) return "dpkg-deb or dpkg-shlibdeps is missing (as root: apt-get install -y dpkg-dev)";
        if (!File.Exists("/usr/bin/lintian")) return "lintian is not installed (as root: apt-get install -y lintian)";
        if (File.Exists(Installed) && Proc.Run("/usr/bin/dpkg", ["-S", Installed]).ExitCode != 0)
            return $"{Installed} exists and belongs to no package: the test will not replace it";
        return null;
    }

    [PackageFact]
    public void The_deb_passes_lintian_installs_runs_containers_podman_the_daemon_and_container_units_then_purges_clean()
    {
        string outDir = Path.Join(_s.Dir, "deb");
        Directory.CreateDirectory(outDir);
        var build = Proc.Run(new ProcSpec(Path.Join(Host.RepoRoot, "packaging", "deb", "build.sh"), ["0.1.0", outDir],
            [new("BIN_DIR", Path.GetDirectoryName(Host.Binary)!)]), timeout: TimeSpan.FromSeconds(300));
        Ok(build, "packaging/deb/build.sh");
        string deb = build.Stdout.Trim();

        var lintian = Proc.Run("/usr/bin/lintian", ["--fail-on", "error", deb], timeout: TimeSpan.FromSeconds(300));
        Assert.True(lintian.ExitCode == 0 && !lintian.Stdout.Contains("E: "), $"lintian reports errors: {lintian}");

        var fields = Proc.Run("/usr/bin/dpkg-deb", ["-f", deb, "Depends", "Recommends"]).Stdout;
        Assert.Contains("uidmap", fields);
        Assert.Contains("libseccomp2", fields);
        Assert.Contains("fuse-overlayfs", fields);

        if (Proc.Run("/usr/bin/dpkg-query", ["-W", "rlrun"]).ExitCode == 0) Ok(Proc.Run("/usr/bin/dpkg", ["--purge", "rlrun"], timeout: TimeSpan.FromSeconds(120)), "purge of a left-over rlrun");
        _installed = true;
        Ok(Proc.Run("/usr/bin/dpkg", ["-i", deb], timeout: TimeSpan.FromSeconds(120)), "dpkg -i");

        // What the user finds installed.
        foreach (var f in new[]
        {
            Installed, "/usr/bin/rlrun-supervisor", "/usr/bin/rlrun-full", "/usr/lib/systemd/user/rlrun.socket", "/usr/lib/systemd/user/rlrun.service",
            "/usr/lib/systemd/user-generators/rlrun-user-generator", "/etc/containers/containers.conf.d/rlrun.conf",
            "/usr/share/bash-completion/completions/rlrun", "/usr/share/zsh/vendor-completions/_rlrun",
            "/usr/share/fish/vendor_completions.d/rlrun.fish", "/usr/share/doc/rlrun/copyright",
        })
            Assert.True(File.Exists(f), $"the package does not install {f}");
        if (File.Exists("/usr/bin/man"))
        {
            // `man rlrun run` finds rlrun-run(1), as `man git commit` does.
            var man = Proc.Run("/usr/bin/man", ["-w", "rlrun", "run"]);
            Assert.True(man.ExitCode == 0 && man.Stdout.Contains("/usr/share/man/man1/rlrun-run.1.gz"), $"man -w rlrun run: {man}");
            Assert.Contains("/usr/share/man/man5/rlrun.json.5.gz", Proc.Run("/usr/bin/man", ["-w", "rlrun.json"]).Stdout);
        }

        // 1. A container, run by the installed binary as the unprivileged user.
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", "echo packaged: $(id -u)"]);
        string id = _s.NewId("packaging");
        var run = Proc.Run(Host.AsUser(Installed, ["--root", _s.StateRoot, "run", "--bundle", b.Path, id], Host.ShellEnv), timeout: TimeSpan.FromSeconds(60));
        Ok(run, "/usr/bin/rlrun run");
        Assert.Equal("packaged: 0", run.Stdout.Trim());

        // 2. podman with the package's drop-in alone naming the runtime: no --runtime path, and the
        //    world's own HOME, so no user configuration.
        if (PodmanWorld.Missing is null)
        {
            using var podman = new PodmanWorld();
            string name = $"{_name}-pm";
            var pr = Proc.Run(podman.Spec("rlrun", ["run", "--name", name, PodmanWorld.Image, "echo", "through the drop-in"], byName: true), timeout: TimeSpan.FromSeconds(90));
            Ok(pr, "podman --runtime rlrun run");
            Assert.Contains("through the drop-in", pr.Stdout);
            var inspect = Proc.Run(podman.Spec("rlrun", ["inspect", "--format", "{{.OCIRuntime}}", name], byName: true), timeout: TimeSpan.FromSeconds(60));
            Ok(inspect, "podman inspect");
            Assert.Equal("rlrun", inspect.Stdout.Trim());
            Proc.Run(podman.Spec("rlrun", ["rm", "--force", name], byName: true), timeout: TimeSpan.FromSeconds(60));
        }

        // 3. The socket-activated daemon from the package's user units (not overridden by another's).
        Ok(M.Systemctl("daemon-reload"), "daemon-reload");
        string fragment = M.Show("rlrun.socket", "FragmentPath")["FragmentPath"];
        Assert.True(fragment == "/usr/lib/systemd/user/rlrun.socket", $"rlrun.socket comes from {fragment}, not the package: another test run has its own units in place");
        Ok(M.Systemctl("start", "rlrun.socket"), "start rlrun.socket");
        var sb = _s.NewBundle(["/bin/busybox", "sh", "-c", Scripts.TrapLoop]);
        string sid = _daemonId = _s.NewId("packaging-d", defaultRoot: true);
        Ok(M.RunInManager(Installed, ["run", "-d", "--restart", "always", "--bundle", sb.Path, sid]), "run -d --restart always");
        var svc = M.Show("rlrun.service", "ActiveState", "ExecMainPID", "FragmentPath");
        Assert.True(svc["ActiveState"] == "active" && svc["FragmentPath"] == "/usr/lib/systemd/user/rlrun.service", $"the socket did not activate the package's rlrun.service: {string.Join(", ", svc)}");
        // `rlrun daemon` execs the supervisor beside it: the package's.
        Assert.Equal("/usr/bin/rlrun-supervisor", File.ResolveLinkTarget($"/proc/{svc["ExecMainPID"]}/exe", false)?.FullName ?? "");
        Ok(M.RunInManager(Installed, ["delete", "--force", sid]), "delete --force of the daemon's container");
        _daemonId = null;
        M.StopIfLoaded("rlrun.service");
        M.StopIfLoaded("rlrun.socket");

        // 4. A .container file (Bundle=: no image needed) becomes rlrun-NAME.service through the
        //    installed generator; systemd restarts it when its container's process dies.
        var ub = _s.NewBundle(["/bin/busybox", "sh", "-c", "echo unit up; " + Scripts.TrapLoop]);
        Directory.CreateDirectory(Path.GetDirectoryName(ContainerFile)!);
        File.WriteAllText(ContainerFile, $"[Unit]\nDescription=packaging test\n\n[Container]\nBundle={ub.Path}\nRestart=always\nStopTimeout=5\n\n[Service]\nRestartSec=100ms\n");
        foreach (var d in new[] { ".config", ".config/containers", ".config/containers/rlrun", $".config/containers/rlrun/{_name}.container" })
            Host.ChownToUser(Path.Join(Home, d));
        Ok(M.Systemctl("daemon-reload"), "daemon-reload");
        string unit = $"rlrun-{_name}.service";
        var loaded = M.Show(unit, "LoadState", "SourcePath");
        Assert.True(loaded["LoadState"] == "loaded" && loaded["SourcePath"] == ContainerFile, $"the generator made no {unit}: {string.Join(", ", loaded)}");
        Ok(M.Systemctl("start", unit), $"start {unit}");
        int first = ContainerPid();
        Host.Signal(first, Host.SIGKILL);
        WaitFor(() => ContainerPidOrZero() is int p && p != 0 && p != first, $"{unit} to restart its container after SIGKILL of {first}");
        Assert.Equal("active", M.Show(unit, "ActiveState")["ActiveState"]);
        Ok(M.Systemctl("stop", unit), $"stop {unit}");
        Assert.Equal(0, ContainerPidOrZero());

        // 5. Purge: nothing of the package is left.
        M.StopIfLoaded(unit);
        File.Delete(ContainerFile);
        Ok(Proc.Run("/usr/bin/dpkg", ["--purge", "rlrun"], timeout: TimeSpan.FromSeconds(120)), "dpkg --purge");
        _installed = false;
        M.Systemctl("daemon-reload");
        foreach (var f in new[] { Installed, "/etc/containers/containers.conf.d/rlrun.conf", "/usr/lib/systemd/user/rlrun.socket", "/usr/share/doc/rlrun" })
            Assert.False(Path.Exists(f), $"{f} is left after dpkg --purge");
    }

    int ContainerPid()
    {
        int pid = 0;
        WaitFor(() => (pid = ContainerPidOrZero()) != 0, $"the container {_name} of rlrun-{_name}.service to run");
        return pid;
    }

    /// <summary>The PID of the unit's running container (default state root, as the unit runs it), or 0.</summary>
    int ContainerPidOrZero()
    {
        var r = Proc.Run(M.UserSpec(Installed, ["state", _name]));
        if (r.ExitCode != 0) return 0;
        var s = JsonNode.Parse(r.Stdout)!.AsObject();
        return s["status"]?.GetValue<string>() == "running" ? s["pid"]!.GetValue<int>() : 0;
    }

    static void WaitFor(Func<bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (done()) return;
            Thread.Sleep(100);
        }
        Assert.Fail($"timed out waiting for {what}");
    }
}

/// <summary>The package test: a systemd --user test (its manager is started when it runs) that also
/// needs dpkg-dev and lintian, and an /usr/bin/rlrun that is a package's or absent.</summary>
[XunitTestCaseDiscoverer("Rlrun.IntegrationTests.Harness.SystemdUserFactDiscoverer", "Rlrun.IntegrationTests")]
public sealed class PackageFactAttribute : FactAttribute
{
    public PackageFactAttribute()
    {
        if ((SystemdUser.StaticSkipReason() ?? PackageTests.HostSkip()) is { } r) Skip = r;
    }
}
