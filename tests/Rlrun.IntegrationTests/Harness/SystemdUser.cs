using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Rlrun.IntegrationTests.Harness;

/// <summary>
/// The test user's `systemd --user`, for the tests of rlrun's systemd cgroup manager. The same
/// approach as tests/Rlrun.SystemdTests (Harness/UserManager.cs): as root, scripts/user-manager.sh
/// starts it for RLRUN_TEST_USER (reused, and then left running, when one of ours already runs)
/// and stops it when these tests are done, only if this run started it. Not root: skipped, since
/// no manager can be started for the test user.
///
/// Unlike the systemd suite it starts the manager when the first of its tests RUNS, not when the
/// tests are discovered, so that the other integration tests keep running with no manager (the
/// "no user manager" context); with one, rlrun's auto mode sees they run outside the manager's
/// tree and falls back (LaunchContextTests). The collection below runs after the parallel ones,
/// alone, and stops the manager at its end.
/// </summary>
public sealed class SystemdUser
{
    static readonly object Gate = new();
    static SystemdUser? _current;

    /// <summary>The manager, started on first use (a static host fact that rules it out gives
    /// only SkipReason).</summary>
    public static SystemdUser Current
    {
        get
        {
            lock (Gate)
            {
                if (_current is not null) return _current;
                var m = new SystemdUser();
                m.SkipReason = StaticSkipReason();
                if (m.SkipReason is null)
                {
                    try { m.SkipReason = m.SetUp(); }
                    catch (Exception e) { m.SkipReason = $"systemd --user could not be started for {Host.TestUserName}: {e.GetType().Name}: {e.Message}"; }
                    // The collection fixture releases it; this is the fallback for a run cut short.
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => m.Release(detached: true);
                }
                return _current = m;
            }
        }
    }

    /// <summary>Releases the manager if a test started it (never starts one).</summary>
    public static void ReleaseIfUsed()
    {
        SystemdUser? m;
        lock (Gate) m = _current;
        m?.Release();
    }

    /// <summary>Host facts, checked without side effects, that rule out a user manager.</summary>
    public static string? StaticSkipReason()
    {
        if (!OperatingSystem.IsLinux()) return "not Linux: no systemd --user";
        if (!Host.IsRoot) return "not root: cannot start a user manager for the test user";
        if (Host.TestUserName is null) return "RLRUN_TEST_USER is not set: no unprivileged test user to start systemd --user for";
        if (!File.Exists("/lib/systemd/systemd")) return $"systemd is not installed (/lib/systemd/systemd missing): no systemd --user can be started for {Host.TestUserName}";
        if (!File.Exists(SystemdRun)) return $"systemd-run is not installed ({SystemdRun} missing)";
        if (!File.Exists(Systemctl_)) return $"systemctl is not installed ({Systemctl_} missing)";
        if (!File.Exists(Setpriv)) return $"setpriv is not installed ({Setpriv} missing, package util-linux)";
        return null;
    }

    public const string SystemdRun = "/usr/bin/systemd-run", Systemctl_ = "/usr/bin/systemctl", Setpriv = "/usr/bin/setpriv";

    public string? SkipReason { get; private set; }
    public string User => Host.TestUserName!;
    public uint Uid => Host.Uid;
    public uint Gid => Host.Gid;
    public string RuntimeDir => $"/run/user/{Uid}";
    public string BusAddress => $"unix:path={RuntimeDir}/bus";
    bool _startedHere, _released;

    static string Script(string name) => Path.Join(Host.RepoRoot, "scripts", name);

    string? SetUp()
    {
        var status = Proc.Run(Script("user-manager.sh"), ["status", User], timeout: TimeSpan.FromSeconds(20));
        var start = Proc.Run(Script("user-manager.sh"), ["start", User], timeout: TimeSpan.FromSeconds(90));
        if (start.ExitCode != 0 || start.TimedOut)
            return $"systemd --user could not be started for {User}: {(start.TimedOut ? "scripts/user-manager.sh start timed out; " : "")}{Tail(start.Stderr)}";
        _startedHere = status.ExitCode != 0;

        // One transient service as the user: the way every rlrun call of these tests runs.
        var probe = Proc.Run(UserSpec(SystemdRun, ["--user", "--pipe", "--wait", "--quiet", "--collect", "/bin/sh", "-c", "cat /proc/self/cgroup"]),
            timeout: TimeSpan.FromSeconds(30));
        if (probe.ExitCode != 0 || probe.TimedOut)
            return $"systemd-run --user as {User} does not run a service in its manager: {Tail(probe.Stdout + probe.Stderr)}";
        if (!probe.Stdout.Contains($"/user@{Uid}.service/"))
            return $"a service started by systemd-run --user as {User} is not in user@{Uid}.service: {Tail(probe.Stdout)}";
        return null;
    }

    /// <summary>Stops the manager if this run started it. Once. detached: the stop runs in its own
    /// session, not waited for (at process exit the test host may be killed before it finishes).</summary>
    public void Release(bool detached = false)
    {
        lock (Gate)
        {
            if (_released) return;
            _released = true;
        }
        if (!_startedHere) return;
        if (detached)
            System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/setsid", ["-f", Script("user-manager.sh"), "stop", User])
                { UseShellExecute = false })?.Dispose();
        else
            Proc.Run(Script("user-manager.sh"), ["stop", User], timeout: TimeSpan.FromSeconds(30));
    }

    static string Tail(string s) => string.Join(" | ", s.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(6));

    /// <summary>FILE ARGS as the test user with the manager's environment only:
    /// setpriv ... env -i XDG_RUNTIME_DIR=... DBUS_SESSION_BUS_ADDRESS=... PATH=/usr/bin:/bin FILE ARGS.</summary>
    public ProcSpec UserSpec(string file, IEnumerable<string> args)
    {
        var argv = new List<string>
        {
            $"--reuid={Uid}", $"--regid={Gid}", "--init-groups", "env", "-i",
            $"XDG_RUNTIME_DIR={RuntimeDir}", $"DBUS_SESSION_BUS_ADDRESS={BusAddress}", "PATH=/usr/bin:/bin", file,
        };
        argv.AddRange(args);
        return new ProcSpec(Setpriv, argv);
    }

    /// <summary>FILE ARGS as a transient service of the user's manager (systemd-run --user --pipe
    /// --wait --quiet --collect), so its processes are inside the manager's tree; ENV goes to the
    /// service's environment (-E). On a timeout the service is stopped.</summary>
    public ProcResult RunInManager(string file, IEnumerable<string> args, IEnumerable<KeyValuePair<string, string>>? env = null, TimeSpan? timeout = null)
    {
        string unit = $"rlrun-itrun-{Guid.NewGuid():N}"[..24] + ".service";
        var argv = new List<string> { "--user", "--pipe", "--wait", "--quiet", "--collect", $"--unit={unit}" };
        foreach (var (k, v) in env ?? []) argv.AddRange(["-E", $"{k}={v}"]);
        argv.Add(file);
        argv.AddRange(args);
        var r = Proc.Run(UserSpec(SystemdRun, argv), timeout: timeout ?? TimeSpan.FromSeconds(60));
        if (r.TimedOut) { Systemctl("stop", unit); Systemctl("reset-failed", unit); }
        return r;
    }

    /// <summary>systemctl --user ARGS as the test user.</summary>
    public ProcResult Systemctl(params string[] args) =>
        Proc.Run(UserSpec(Systemctl_, ["--user", .. args]), timeout: TimeSpan.FromSeconds(30));

    /// <summary>`systemctl --user show UNIT -p P...` as a dictionary (fails the test if systemctl does).</summary>
    public Dictionary<string, string> Show(string unit, params string[] properties)
    {
        var argv = new List<string> { "show", unit };
        foreach (var p in properties) argv.AddRange(["-p", p]);
        var r = Systemctl([.. argv]);
        Assert.True(r.ExitCode == 0 && !r.TimedOut, $"systemctl --user show {unit} failed: {r}");
        var d = new Dictionary<string, string>();
        foreach (var line in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = line.IndexOf('=');
            if (eq > 0) d[line[..eq]] = line[(eq + 1)..];
        }
        return d;
    }

    /// <summary>The unit is gone from the manager: not loaded, or loaded but inactive.</summary>
    public bool UnitGone(string unit, out string seen)
    {
        var p = Show(unit, "LoadState", "ActiveState");
        seen = $"LoadState={p.GetValueOrDefault("LoadState")} ActiveState={p.GetValueOrDefault("ActiveState")}";
        return p.GetValueOrDefault("LoadState") == "not-found" || p.GetValueOrDefault("ActiveState") == "inactive";
    }

    /// <summary>Stops a unit left behind by a failed test and forgets it (cleanup; errors ignored).</summary>
    public void StopIfLoaded(string unit)
    {
        try
        {
            var r = Systemctl("show", unit, "-p", "LoadState", "--value");
            if (r.ExitCode == 0 && r.Stdout.Trim() is "not-found" or "") return;
            Systemctl("stop", unit);
            Systemctl("reset-failed", unit);
        }
        catch (Exception) { }
    }
}

/// <summary>A test that needs the test user's systemd --user: skipped with the host fact that
/// rules it out (not root, no systemd, the manager would not start, ...). The manager is started
/// when the test runs (see <see cref="SystemdUser"/>), so the skip for a manager that cannot be
/// started is decided then.</summary>
[XunitTestCaseDiscoverer("Rlrun.IntegrationTests.Harness.SystemdUserFactDiscoverer", "Rlrun.IntegrationTests")]
public sealed class SystemdUserFactAttribute : FactAttribute
{
    public SystemdUserFactAttribute()
    {
        if (SystemdUser.StaticSkipReason() is { } r) Skip = r;
    }
}

public sealed class SystemdUserFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        yield return new SystemdUserTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
            discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
    }
}

/// <summary>A fact whose skip reason is completed when it runs: the manager's start-up.</summary>
public sealed class SystemdUserTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer", error: true)]
    public SystemdUserTestCase() { }

    public SystemdUserTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod method)
        : base(sink, display, options, method) { }

    public override Task<RunSummary> RunAsync(IMessageSink diagnosticMessageSink, IMessageBus messageBus, object[] constructorArguments,
        ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource)
    {
        string? skip = SkipReason ?? SystemdUser.Current.SkipReason;
        return new XunitTestCaseRunner(this, DisplayName, skip, constructorArguments, TestMethodArguments, messageBus, aggregator,
            cancellationTokenSource).RunAsync();
    }
}

/// <summary>The tests that use the test user's manager: alone, after the parallel collections
/// (while the manager answers, rlrun's auto mode would pick systemd for the other tests' containers),
/// and the manager is stopped at the end if these tests started it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SystemdUserCollection : ICollectionFixture<SystemdUserFixture>
{
    public const string Name = "systemd --user of the test user";
}

public sealed class SystemdUserFixture : IDisposable
{
    public void Dispose() => SystemdUser.ReleaseIfUsed();
}
