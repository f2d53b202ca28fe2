using Xunit;

namespace Rlrun.IntegrationTests.Harness;

/// <summary>A test that drives rlrun through podman: skipped only when podman (with conmon) is not
/// installed, or when the tests would run rlrun as root.</summary>
public sealed class PodmanFactAttribute : FactAttribute
{
    public PodmanFactAttribute()
    {
        if (PodmanWorld.Missing is { } why) Skip = why;
        else if (!Host.Unprivileged) Skip = "requires an unprivileged user: the tests run as root and RLRUN_TEST_USER is not set";
    }
}

/// <summary>PodmanFact that also needs the loopback registry (docker-registry and skopeo).</summary>
public sealed class PodmanRegistryFactAttribute : FactAttribute
{
    public PodmanRegistryFactAttribute() => Skip = new PodmanFactAttribute().Skip ?? new RegistryFactAttribute().Skip;
}

public sealed class PodmanTheoryAttribute : TheoryAttribute
{
    public PodmanTheoryAttribute()
    {
        if (PodmanWorld.Missing is { } why) Skip = why;
        else if (!Host.Unprivileged) Skip = "requires an unprivileged user: the tests run as root and RLRUN_TEST_USER is not set";
    }
}

/// <summary>Rootless podman (Debian's 4.3) as the test user with a store of its own (vfs, under the
/// run's directory), a HOME of its own (no user configuration read), and one image: a podman import
/// of the busybox rootfs scripts/mkrootfs.sh makes. `Run(runtime, ...)` is `podman --runtime R ...`.
/// Dispose removes the containers and the store, and stops podman's pause process if this run
/// started it.</summary>
public sealed class PodmanWorld : IDisposable
{
    public const string PodmanPath = "/usr/bin/podman";
    public const string Image = "localhost/rlrun-it-busybox:latest";

    /// <summary>Why podman cannot be driven here, or null.</summary>
    public static string? Missing =>
        !File.Exists(PodmanPath) ? $"podman is not installed ({PodmanPath} is missing; as root: apt-get install -y podman conmon catatonit)"
        : !File.Exists("/usr/bin/conmon") && !File.Exists("/usr/libexec/podman/conmon") ? "conmon is not installed (as root: apt-get install -y conmon)"
        : null;

    readonly string _dir;

    public PodmanWorld() : this(importImage: true) { }

    /// <param name="importImage">false: an empty store (the test pulls what it runs)</param>
    internal PodmanWorld(bool importImage)
    {
        // Short: podman refuses a runroot longer than 50 characters (the run's directory is longer).
        _dir = Path.Join(Path.GetTempPath(), $"rlpm-{Guid.NewGuid().ToString("N")[..8]}");
        if (Missing is not null || !Host.Unprivileged) return;
        Directory.CreateDirectory(Path.Join(_dir, "home"));
        Host.ChownToUser(_dir);
        if (!importImage) return;
        string tar = Path.Join(_dir, "rootfs.tar");
        Proc.Run(Host.AsUser("/bin/tar", ["-C", Host.TemplateRootfs, "-cf", tar, "."])).EnsureSuccess("tar of the template rootfs");
        Proc.Run(Spec("runc", ["import", tar, Image]), timeout: TimeSpan.FromSeconds(120)).EnsureSuccess("podman import");
    }

    /// <summary>`podman --runtime RUNTIME ARGS`: "rlrun" is the binary under test, else a path or name;
    /// byName: RUNTIME as it is, for podman to find in containers.conf (the package's drop-in).</summary>
    public ProcSpec Spec(string runtime, IEnumerable<string> args, bool byName = false)
    {
        var argv = new List<string>
        {
            "--root", Path.Join(_dir, "storage"), "--runroot", Path.Join(_dir, "run"), "--tmpdir", Path.Join(_dir, "tmp"),
            "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "file",
        };
        // rlrun with its automatic cgroup choice, as podman's users get it.
        argv.AddRange(["--runtime", runtime == "rlrun" && !byName ? Host.Binary : runtime]);
        argv.AddRange(args);
        return Host.AsUser(PodmanPath, argv, [new("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), new("HOME", Path.Join(_dir, "home"))]);
    }

    public ProcResult Run(string runtime, params string[] args) => Proc.Run(Spec(runtime, args), timeout: TimeSpan.FromSeconds(90));

    /// <summary>`podman --runtime rlrun ARGS`, which must succeed: its stdout.</summary>
    public string Ok(params string[] args)
    {
        var r = Run("rlrun", args);
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        return r.Stdout;
    }

    /// <summary>A directory of this world's, the test user's (for files podman reads, e.g. play kube's YAML).</summary>
    public string Dir => _dir;

    public ProcResult Run(string runtime, IEnumerable<string> args, TimeSpan timeout) => Proc.Run(Spec(runtime, args), timeout: timeout);

    public void Dispose()
    {
        if (!Directory.Exists(_dir)) return;
        // podman keeps a pause process holding its user namespace, its pid in --tmpdir: this
        // world's own, so stopped with it (the rm below runs through it, and removes the file).
        int pause = 0;
        try
        {
            Run("rlrun", "rm", "--all", "--force", "--time", "0"); // rlrun named: podman finds runc by itself
            string pidFile = Path.Join(_dir, "tmp", "pause.pid");
            if (File.Exists(pidFile)) int.TryParse(File.ReadAllText(pidFile).Trim(), out pause);
            // The store holds files of subordinate IDs: removed inside podman's user namespace.
            Run("runc", "unshare", "rm", "-rf", Path.Join(_dir, "storage"), Path.Join(_dir, "run"), Path.Join(_dir, "tmp"));
        }
        catch (Exception) { }
        try { Directory.Delete(_dir, recursive: true); } catch (Exception) { }
        if (pause > 0) try { Host.Signal(pause, Host.SIGKILL); } catch (Exception) { }
    }
}
