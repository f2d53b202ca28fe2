using System.Runtime.InteropServices;
using Rlrun.Systemd;

namespace Rlrun.SystemdTests.Harness;

/// <summary>The probe's key=value lines.</summary>
internal sealed class ProbeResult
{
    public required ProcResult Proc { get; init; }
    public required IReadOnlyList<KeyValuePair<string, string>> Lines { get; init; }

    public string? this[string key] => Lines.LastOrDefault(l => l.Key == key) is { Key: not null } kv ? kv.Value : null;
    public IEnumerable<string> All(string key) => Lines.Where(l => l.Key == key).Select(l => l.Value);
    public bool Ok => Proc.ExitCode == 0 && this["ok"] == "true";
    public override string ToString() => Proc.ToString();
}

/// <summary>
/// The systemd user manager the integration tests talk to, set up once per test process.
/// As root: the test user (RLRUN_SYSTEMD_TEST_USER, default rltest) made by
/// scripts/ensure-user.sh, its manager started by scripts/user-manager.sh (reused when one of
/// ours already runs, and then left running), stopped at process exit when these tests started
/// it. Not root: the caller's own manager, which must already answer on the user bus.
/// The probe program is copied to a temp dir the user can read and run there with
/// `systemd-run --user --pipe --wait` so its processes live inside the manager's tree (a scope
/// can only take in such processes on the test machine).
/// </summary>
internal sealed class UserManager
{
    private static readonly Lazy<UserManager> Instance = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);
    public static UserManager Current => Instance.Value;

    public string? SkipReason { get; private set; }
    public string User { get; private set; } = "";
    public int Uid { get; private set; }
    public int Gid { get; private set; }
    public string Home { get; private set; } = "/";
    public string RuntimeDir => $"/run/user/{Uid}";
    public string BusAddress => $"unix:path={RuntimeDir}/bus";
    public bool AsRoot { get; private set; }
    private bool _startedHere;
    private string? _probeDir;
    private string _dotnet = "/usr/bin/dotnet";

    private static string Script(string name) => Path.Combine(Repo.Root, "scripts", name);

    [DllImport("libc")]
    private static extern uint geteuid();

    private static UserManager Create()
    {
        var m = new UserManager();
        try
        {
            m.SkipReason = m.SetUp();
        }
        catch (Exception e)
        {
            m.SkipReason = $"the systemd user manager could not be set up: {e.GetType().Name}: {e.Message}";
        }
        // The collection fixture releases it after the integration tests; this is the fallback
        // for a process that only discovered the tests (or was cut short).
        AppDomain.CurrentDomain.ProcessExit += (_, _) => m.Release(detached: true);
        return m;
    }

    private string? SetUp()
    {
        if (!OperatingSystem.IsLinux()) return "systemd tests need Linux";
        if (!File.Exists("/usr/bin/systemd-run")) return "systemd-run is not installed (/usr/bin/systemd-run missing)";
        AsRoot = geteuid() == 0;
        if (AsRoot)
        {
            if (!File.Exists("/lib/systemd/systemd")) return "systemd is not installed (/lib/systemd/systemd missing): no systemd --user can be started";
            User = Environment.GetEnvironmentVariable("RLRUN_SYSTEMD_TEST_USER") is { Length: > 0 } u ? u : "rltest";
            var ensure = Proc.Run(Script("ensure-user.sh"), [User], TimeSpan.FromMinutes(3));
            if (ensure.ExitCode != 0) return $"the test user {User} could not be made by scripts/ensure-user.sh: {Tail(ensure.Stderr)}";
            var status = Proc.Run(Script("user-manager.sh"), ["status", User], TimeSpan.FromSeconds(20));
            var start = Proc.Run(Script("user-manager.sh"), ["start", User], TimeSpan.FromSeconds(90));
            if (start.ExitCode != 0) return $"systemd --user could not be started for {User}: {Tail(start.Stderr)}";
            _startedHere = status.ExitCode != 0;
        }
        else
        {
            User = Environment.UserName;
            if (!SystemdBus.IsManagerReachable(BusKind.User, TimeSpan.FromSeconds(5), out var why))
                return $"no systemd user manager reachable for uid {geteuid()} (not root, so none is started): {why}";
        }
        (Uid, Gid, Home) = Passwd(User);

        // The dotnet host that runs these tests, if the user can run it.
        if (Environment.ProcessPath is { } host && Path.GetFileName(host) == "dotnet") _dotnet = host;
        if (AsRoot && _dotnet.StartsWith("/root/", StringComparison.Ordinal))
            return $"the dotnet host {_dotnet} lies under /root, which {User} cannot read";

        _probeDir = Directory.CreateTempSubdirectory("rlrun-systemd-probe-").FullName;
        foreach (var f in new[] { "Rlrun.SystemdProbe.dll", "Rlrun.SystemdProbe.runtimeconfig.json", "Rlrun.SystemdProbe.deps.json", "Rlrun.Systemd.dll", "Tmds.DBus.Protocol.dll" })
        {
            var src = Path.Combine(AppContext.BaseDirectory, f);
            if (!File.Exists(src))
            {
                if (f.EndsWith(".deps.json", StringComparison.Ordinal)) continue;
                return $"the probe file {src} is missing (the build did not copy Rlrun.SystemdProbe)";
            }
            var dst = Path.Combine(_probeDir, f);
            File.Copy(src, dst, overwrite: true);
            File.SetUnixFileMode(dst, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        File.SetUnixFileMode(_probeDir, (UnixFileMode)0x1ED); // 0755

        // One check through the probe: the user can run it in its manager.
        var r = RunProbe("reachable");
        if (!r.Ok || r["reachable"] != "true")
            return $"the probe cannot reach systemd --user of {User} from inside its manager: {r}";
        return null;
    }

    private readonly object _releaseLock = new();
    private bool _released;

    /// <summary>Removes the probe copy and stops the manager if this process started it. Once.
    /// detached: the stop runs in its own session, not waited for (at process exit the test
    /// host may be killed before a waited stop finishes).</summary>
    public void Release(bool detached = false)
    {
        lock (_releaseLock)
        {
            if (_released) return;
            _released = true;
        }
        try { if (_probeDir is not null) Directory.Delete(_probeDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        if (!_startedHere) return;
        if (detached)
            System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/setsid", ["-f", Script("user-manager.sh"), "stop", User])
                { UseShellExecute = false, RedirectStandardOutput = false })?.Dispose();
        else
            Proc.Run(Script("user-manager.sh"), ["stop", User], TimeSpan.FromSeconds(30));
    }

    private static (int Uid, int Gid, string Home) Passwd(string user)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var f = line.Split(':');
            if (f.Length >= 7 && f[0] == user) return (int.Parse(f[2]), int.Parse(f[3]), f[5]);
        }
        throw new InvalidOperationException($"user {user} is not in /etc/passwd");
    }

    private static string Tail(string s)
    {
        var lines = s.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join(" | ", lines.TakeLast(6));
    }

    /// <summary>Runs the probe as the user, as a transient service of its manager (systemd-run
    /// --user --pipe --wait), and parses its output. extraEnv goes to the probe's environment.</summary>
    public ProbeResult RunProbe(string[] args, IDictionary<string, string>? extraEnv = null, TimeSpan? timeout = null)
    {
        var runner = $"rlrun-test-probe-{Guid.NewGuid():N}"[..28] + ".service";
        var cmd = new List<string>();
        string file;
        if (AsRoot)
        {
            file = "/usr/bin/setpriv";
            cmd.AddRange([$"--reuid={Uid}", $"--regid={Gid}", "--init-groups", "/usr/bin/env", "-i",
                $"HOME={Home}", $"USER={User}", "PATH=/usr/local/bin:/usr/bin:/bin",
                $"XDG_RUNTIME_DIR={RuntimeDir}", $"DBUS_SESSION_BUS_ADDRESS={BusAddress}", "/usr/bin/systemd-run"]);
        }
        else file = "/usr/bin/systemd-run";
        cmd.AddRange(["--user", "--pipe", "--wait", "--quiet", "--collect", $"--unit={runner}",
            "-E", "DOTNET_NOLOGO=1", "-E", "DOTNET_CLI_TELEMETRY_OPTOUT=1",
            "-E", $"DOTNET_ROOT={Path.GetDirectoryName(_dotnet)}",
            "-E", $"XDG_RUNTIME_DIR={(AsRoot ? RuntimeDir : Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR"))}",
            "-E", $"DBUS_SESSION_BUS_ADDRESS={(AsRoot ? BusAddress : Environment.GetEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS") ?? "")}"]);
        if (extraEnv is not null) foreach (var (k, v) in extraEnv) cmd.AddRange(["-E", $"{k}={v}"]);
        cmd.Add(_dotnet);
        cmd.Add(Path.Combine(_probeDir!, "Rlrun.SystemdProbe.dll"));
        cmd.AddRange(args);
        var r = Proc.Run(file, cmd, timeout ?? TimeSpan.FromSeconds(90));
        if (r.TimedOut) StopUnit(runner);
        var lines = new List<KeyValuePair<string, string>>();
        foreach (var line in r.Stdout.Split('\n'))
        {
            int eq = line.IndexOf('=');
            if (eq > 0) lines.Add(new(line[..eq], line[(eq + 1)..].TrimEnd('\r')));
        }
        return new ProbeResult { Proc = r, Lines = lines };
    }

    public ProbeResult RunProbe(params string[] args) => RunProbe(args, null, null);

    /// <summary>systemctl --user as the user (cleanup and checks).</summary>
    public ProcResult Systemctl(params string[] args)
    {
        if (!AsRoot) return Proc.Run("/usr/bin/systemctl", ["--user", .. args], TimeSpan.FromSeconds(30));
        return Proc.Run("/usr/bin/setpriv", [$"--reuid={Uid}", $"--regid={Gid}", "--init-groups", "/usr/bin/env", "-i",
            $"HOME={Home}", "PATH=/usr/bin:/bin", $"XDG_RUNTIME_DIR={RuntimeDir}", $"DBUS_SESSION_BUS_ADDRESS={BusAddress}",
            "/usr/bin/systemctl", "--user", .. args], TimeSpan.FromSeconds(30));
    }

    private void StopUnit(string unit) => Systemctl("stop", unit);
}
