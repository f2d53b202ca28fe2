using System.Runtime.InteropServices;

namespace Rlrun.IntegrationTests.Harness;

/// <summary>Facts about the machine and the identity the tests run rlrun as, found once.
/// As root with RLRUN_TEST_USER set, rlrun runs as that user (setpriv); otherwise as the caller.</summary>
public static partial class Host
{
    [DllImport("libc", SetLastError = true)] static extern uint geteuid();
    [DllImport("libc", SetLastError = true)] static extern uint getegid();
    [DllImport("libc", SetLastError = true)] static extern int kill(int pid, int sig);

    public const int SIGKILL = 9, SIGUSR1 = 10, SIGTERM = 15;

    public static readonly bool IsRoot = geteuid() == 0;

    /// <summary>The user rlrun runs as when the tests run as root (scripts/test.sh sets it).</summary>
    public static readonly string? TestUserName =
        IsRoot && Environment.GetEnvironmentVariable("RLRUN_TEST_USER") is { Length: > 0 } u ? u : null;

    /// <summary>True when rlrun runs through setpriv as TestUserName.</summary>
    public static bool SwitchesUser => TestUserName is not null;

    /// <summary>The uid and gid rlrun runs as (the test user, or the caller).</summary>
    public static readonly uint Uid, Gid;
    public static readonly string? UserName;

    /// <summary>The first range of the user in /etc/subuid and /etc/subgid, if any.</summary>
    public static readonly (uint Start, uint Count)? SubUid, SubGid;

    static Host()
    {
        if (TestUserName is { } name)
        {
            var entry = PasswdEntries().FirstOrDefault(e => e.Name == name)
                ?? throw new InvalidOperationException($"RLRUN_TEST_USER={name}: no such user in /etc/passwd (run scripts/ensure-user.sh {name})");
            (Uid, Gid, UserName) = (entry.Uid, entry.Gid, name);
        }
        else
        {
            (Uid, Gid) = (geteuid(), getegid());
            UserName = PasswdEntries().FirstOrDefault(e => e.Uid == Uid)?.Name;
        }
        SubUid = SubRange("/etc/subuid");
        SubGid = SubRange("/etc/subgid");
    }

    sealed record PasswdEntry(string Name, uint Uid, uint Gid);

    static IEnumerable<PasswdEntry> PasswdEntries()
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var f = line.Split(':');
            if (f.Length > 3 && uint.TryParse(f[2], out uint uid) && uint.TryParse(f[3], out uint gid))
                yield return new PasswdEntry(f[0], uid, gid);
        }
    }

    static (uint, uint)? SubRange(string path)
    {
        if (!File.Exists(path)) return null;
        foreach (var line in File.ReadLines(path))
        {
            var f = line.Trim().Split(':');
            if (f.Length != 3 || (f[0] != UserName && f[0] != Uid.ToString())) continue;
            if (uint.TryParse(f[1], out uint start) && uint.TryParse(f[2], out uint count) && count > 0) return (start, count);
        }
        return null;
    }

    /// <summary>Whether rlrun runs as an unprivileged user here (what most tests are about).</summary>
    public static bool Unprivileged => Uid != 0;

    /// <summary>XDG_RUNTIME_DIR of the identity rlrun runs as.</summary>
    public static string RuntimeDir
    {
        get
        {
            if (SwitchesUser) return $"/run/user/{Uid}";
            if (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } x) return x;
            return Directory.Exists($"/run/user/{Uid}") ? $"/run/user/{Uid}" : Path.GetTempPath();
        }
    }

    /// <summary>The repository root: where scripts/mkrootfs.sh is, above the test assembly.</summary>
    public static readonly string RepoRoot = FindRepoRoot();

    static string FindRepoRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Join(d.FullName, "scripts", "mkrootfs.sh"))) return d.FullName;
        throw new InvalidOperationException($"cannot find the repository (scripts/mkrootfs.sh) above {AppContext.BaseDirectory}");
    }

    /// <summary>A private directory for this test run, readable by the test user (the repo may be under /root).</summary>
    public static readonly string RunDir = MakeRunDir();

    static string MakeRunDir()
    {
        string dir = Path.Join(Path.GetTempPath(), $"rlrun-it-{Environment.ProcessId}-{Guid.NewGuid():N}"[..32]);
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0x1ed); // 0755
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); } catch (Exception) { }
            // The parent of the sandboxes' state roots, once they are all gone.
            try { Directory.Delete(Path.Join(RuntimeDir, "rlrun-it")); } catch (Exception) { }
        };
        return dir;
    }

    static readonly Lazy<string> _binary = new(() =>
    {
        string source = Environment.GetEnvironmentVariable("RLRUN_BINARY") is { Length: > 0 } b ? b : Path.Join(RepoRoot, "artifacts", "rlrun");
        if (!File.Exists(source)) throw new InvalidOperationException($"rlrun binary {source} not found: run `make build` (or set RLRUN_BINARY)");
        string dest = Path.Join(RunDir, "bin", "rlrun");
        Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
        File.SetUnixFileMode(Path.GetDirectoryName(dest)!, (UnixFileMode)0x1ed);
        File.Copy(source, dest);
        File.SetUnixFileMode(dest, (UnixFileMode)0x1ed);
        // rlrun run --restart execs rlrun-supervisor from beside rlrun; every container's init is
        // a sealed copy of the rlrun-init beside it; pull, login and image import exec rlrun-full.
        foreach (string companion in new[] { "rlrun-supervisor", "rlrun-init", "rlrun-full" })
        {
            string from = Path.Join(Path.GetDirectoryName(source)!, companion);
            if (!File.Exists(from)) continue;
            string to = Path.Join(Path.GetDirectoryName(dest)!, companion);
            File.Copy(from, to);
            File.SetUnixFileMode(to, (UnixFileMode)0x1ed);
        }
        return dest;
    });

    /// <summary>The rlrun under test, copied once to a directory the test user can read.</summary>
    public static string Binary => _binary.Value;

    static readonly Lazy<string> _template = new(() =>
    {
        // One rootfs made by scripts/mkrootfs.sh as the test user; each bundle gets a `cp -a` of it
        // (mkrootfs takes ~1.5 s; a copy a few ms).
        string dir = Path.Join(RunDir, "template");
        Directory.CreateDirectory(dir);
        ChownToUser(dir);
        if (IsRoot && SwitchesUser)
        {
            // As root first, so that a missing busybox-static gets installed (mkrootfs does it as root only).
            var isStatic = Proc.Run("/bin/sh", ["-c", "test -x /bin/busybox && ! LC_ALL=C ldd /bin/busybox >/dev/null 2>&1"]);
            if (isStatic.ExitCode != 0) Proc.Run(Path.Join(RepoRoot, "scripts", "mkrootfs.sh"), [Path.Join(RunDir, "busybox-probe")]).EnsureSuccess("mkrootfs.sh as root");
        }
        var r = Proc.Run(AsUser(Path.Join(RepoRoot, "scripts", "mkrootfs.sh"), [Path.Join(dir, "rootfs")]), timeout: TimeSpan.FromSeconds(120));
        r.EnsureSuccess("scripts/mkrootfs.sh");
        return Path.Join(dir, "rootfs");
    });

    /// <summary>A rootfs made by scripts/mkrootfs.sh, owned by the test user; copy it, do not change it.</summary>
    public static string TemplateRootfs => _template.Value;

    /// <summary>A command line that runs FILE ARGS as the test user with a minimal environment
    /// (XDG_RUNTIME_DIR and ENV), or as the caller with its environment plus ENV.</summary>
    public static ProcSpec AsUser(string file, IEnumerable<string> args, IEnumerable<KeyValuePair<string, string>>? env = null, bool minimalEnv = false)
    {
        var extra = (env ?? []).ToList();
        if (SwitchesUser)
        {
            var argv = new List<string> { $"--reuid={Uid}", $"--regid={Gid}", "--init-groups", "env", "-i", $"XDG_RUNTIME_DIR={RuntimeDir}" };
            argv.AddRange(extra.Select(kv => $"{kv.Key}={kv.Value}"));
            argv.Add(file);
            argv.AddRange(args);
            return new ProcSpec("setpriv", argv);
        }
        if (minimalEnv)
            return new ProcSpec(file, args.ToList(), [new("XDG_RUNTIME_DIR", RuntimeDir), .. extra], ClearEnv: true);
        return new ProcSpec(file, args.ToList(), extra);
    }

    /// <summary>The environment a user's shell gives (PATH, HOME); the minimal-environment test omits it.</summary>
    public static IEnumerable<KeyValuePair<string, string>> ShellEnv =>
    [
        new("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
        new("HOME", UserName is { } n && SwitchesUser ? $"/home/{n}" : Environment.GetEnvironmentVariable("HOME") ?? "/"),
    ];

    /// <summary>chown -R to the test user (a no-op unless root switches to the test user).</summary>
    public static void ChownToUser(string path)
    {
        if (!SwitchesUser) return;
        Proc.Run("chown", ["-R", "-h", $"{Uid}:{Gid}", path]).EnsureSuccess($"chown -R {path}");
    }

    public static void Signal(int pid, int sig)
    {
        // kill(0) or kill(-1) would hit the test run itself (its process group, or every process).
        if (pid <= 0) throw new ArgumentOutOfRangeException(nameof(pid), $"no process to signal: pid {pid}");
        if (kill(pid, sig) != 0) throw new InvalidOperationException($"kill({pid}, {sig}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>The process is gone, or only a zombie is left (no init here reaps orphans).</summary>
    public static bool ProcessGone(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("State:")) return line.Contains("Z (zombie)") || line.Contains("X (dead)");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return true; }
    }

    /// <summary>Gone, a zombie, or past the point of no return: in do_exit (PF_EXITING, 0x4, in
    /// /proc/PID/stat's flags) or with SIGKILL pending, so it never runs its own code again. What
    /// delete guarantees of a network helper: a killed pasta spends 20-40 ms more in the kernel
    /// closing its tap device, which delete does not wait for (the tests check its ports instead).</summary>
    public static bool CannotAct(int pid)
    {
        if (ProcessGone(pid)) return true;
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if ((ulong.Parse(fields[6]) & 0x4) != 0) return true;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if ((line.StartsWith("SigPnd:") || line.StartsWith("ShdPnd:"))
                    && (Convert.ToUInt64(line[7..].Trim(), 16) & (1UL << (SIGKILL - 1))) != 0)
                    return true;
            return false;
        }
        catch (IOException) { return true; } // gone meanwhile
    }

    /// <summary>Live (non-zombie) processes whose real uid is the test user or one of its subordinate IDs.</summary>
    public static HashSet<int> ProcessesOfUser()
    {
        var result = new HashSet<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                string? uidLine = null, state = null;
                foreach (var line in File.ReadLines(Path.Join(dir, "status")))
                {
                    if (line.StartsWith("Uid:")) uidLine = line;
                    else if (line.StartsWith("State:")) state = line;
                }
                if (uidLine is null || state is null || state.Contains("Z (zombie)")) continue;
                uint uid = uint.Parse(uidLine.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1]);
                bool sub = SubUid is { } s && uid >= s.Start && uid < s.Start + s.Count;
                if (uid == Uid || sub) result.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException) { }
        }
        return result;
    }

    /// <summary>KEY=VALUE that every bundle of this run puts in process.env, to recognise its processes.</summary>
    public static readonly string EnvMarker = $"RLRUN_IT_RUN={Path.GetFileName(RunDir)}";

    /// <summary>Whether a process comes from this test run: our copy of rlrun, a container init
    /// (a memfd copy of it), or a container process (EnvMarker in its environment).</summary>
    public static bool IsOurs(int pid)
    {
        try
        {
            var exe = new FileInfo($"/proc/{pid}/exe").LinkTarget;
            if (exe is not null && (exe == Binary || exe.StartsWith("/memfd:"))) return true;
            return File.ReadAllText($"/proc/{pid}/environ").Split('\0').Contains(EnvMarker);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>The PID namespace of a process ("pid:[4026532...]"), or null when it is gone.</summary>
    public static string? PidNamespaceOf(int pid)
    {
        try { return new FileInfo($"/proc/{pid}/ns/pid").LinkTarget; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>Live processes in the given PID namespace.</summary>
    public static List<int> ProcessesInPidNamespace(string ns)
    {
        var result = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out int pid) && PidNamespaceOf(pid) == ns && !ProcessGone(pid))
                result.Add(pid);
        return result;
    }
}
