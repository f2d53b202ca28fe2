using System.Text.Json.Nodes;

namespace Rlrun.IntegrationTests.Harness;

/// <summary>A containerd of the test's own (Debian's containerd 1.6): its config, root, state and
/// socket under a temp dir, the CRI plugin off, never the system one. As root it runs directly;
/// rootless it runs as the test user inside RootlessKit through scripts/containerd-rootless.sh.
/// The busybox template rootfs is imported as an image; `ctr` talks to it by its socket.</summary>
public sealed class PrivateContainerd : IDisposable
{
    public const string Image = "docker.io/library/rlrun-it-busybox:latest";
    public const string Namespace = "rlrun-it";

    public static readonly string? Containerd = new[] { "/usr/bin/containerd" }.FirstOrDefault(File.Exists);
    public static readonly string? CtrBinary = new[] { "/usr/bin/ctr" }.FirstOrDefault(File.Exists);
    public static readonly string? Shim = new[] { "/usr/bin/containerd-shim-runc-v2" }.FirstOrDefault(File.Exists);
    public static readonly string? RootlessKit = new[] { "/usr/bin/rootlesskit" }.FirstOrDefault(File.Exists);

    /// <summary>Why a containerd lane cannot run here (a missing binary), or null.</summary>
    public static string? Missing =>
        Containerd is null ? "requires Debian's containerd package: /usr/bin/containerd is missing"
        : CtrBinary is null ? "requires ctr (containerd package): /usr/bin/ctr is missing"
        : Shim is null ? "requires containerd-shim-runc-v2 (containerd package): it is missing"
        : null;

    readonly RunningProc _proc;
    public bool Rootless { get; }
    public string Dir { get; }
    public string Socket => Path.Join(Dir, "containerd.sock");
    /// <summary>What ctr run --runc-root gets; the shim gives rlrun --root RUNC-ROOT/NAMESPACE.</summary>
    public string RuncRootBase => Path.Join(Dir, "runc");
    /// <summary>The shim's --root for rlrun: `rlrun --root RuncRoot list` sees its containers.</summary>
    public string RuncRoot => Path.Join(RuncRootBase, Namespace);

    public PrivateContainerd(bool rootless = false)
    {
        Rootless = rootless;
        Dir = Path.Join(Host.RunDir, $"containerd-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(Dir);
        File.SetUnixFileMode(Dir, (UnixFileMode)0x1ed);
        string config = Path.Join(Dir, "config.toml");
        // version 2; the CRI plugin off (this lane is ctr's); everything else under Dir.
        File.WriteAllText(config, $"""
            version = 2
            root = "{Dir}/root"
            state = "{Dir}/state"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]
            [grpc]
              address = "{Socket}"
            [ttrpc]
              address = "{Socket}.ttrpc"
            """);
        if (rootless)
        {
            Host.ChownToUser(Dir);
            string script = Path.Join(Host.RepoRoot, "scripts", "containerd-rootless.sh");
            // Host network (no namespace of its own): the lane sends no traffic anywhere.
            _proc = Proc.Start(Host.AsUser(script, ["-c", config], [.. Host.ShellEnv,
                new("CONTAINERD_ROOTLESS_NET", "host"), new("CONTAINERD_ROOTLESS_STATE_DIR", Path.Join(Dir, "rootlesskit"))]));
        }
        else
        {
            _proc = Proc.Start(new ProcSpec(Containerd!, ["-c", config]));
        }
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (File.Exists(Socket) && Ctr(["version"]).ExitCode == 0) break;
            if (_proc.HasExited || DateTime.UtcNow > until)
            {
                string why = $"containerd did not answer on {Socket}: {_proc.Stderr[^Math.Min(_proc.Stderr.Length, 2000)..]}";
                Dispose();
                throw new InvalidOperationException(why);
            }
            Thread.Sleep(100);
        }
        ImportImage();
    }

    /// <summary>ctr ARGS against this containerd in its own namespace (as the test user when rootless).</summary>
    public ProcResult Ctr(IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null)
    {
        var argv = new List<string> { "--address", Socket, "--namespace", Namespace };
        argv.AddRange(args);
        var spec = Rootless ? NsEnter(CtrBinary!, argv) : new ProcSpec(CtrBinary!, argv);
        return Proc.Run(spec, stdin, timeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>A command run where the rootless containerd lives: in RootlessKit's user and mount
    /// namespaces, as `rootlessctl`/`nsenter -U -m -t CHILD` would (its sockets are in a private /run).</summary>
    public ProcSpec NsEnter(string file, IEnumerable<string> args)
    {
        int child = int.Parse(File.ReadAllText(Path.Join(Dir, "rootlesskit", "child_pid")).Trim());
        var argv = new List<string> { "-U", "-m", "--preserve-credentials", "-t", child.ToString(), file };
        argv.AddRange(args);
        return Host.AsUser("/usr/bin/nsenter", argv, Host.ShellEnv);
    }

    /// <summary>rlrun --root RuncRoot ARGS, where the shim runs it (as root, or in RootlessKit).</summary>
    public ProcResult Rlrun(IEnumerable<string> args, string? stdin = null)
    {
        var argv = new List<string> { "--root", RuncRoot };
        argv.AddRange(args);
        var spec = Rootless ? NsEnter(Host.Binary, argv) : new ProcSpec(Host.Binary, argv);
        return Proc.Run(spec, stdin);
    }

    /// <summary>The template busybox rootfs as one layer of an OCI archive, imported with ctr.</summary>
    void ImportImage()
    {
        string layout = Path.Join(Dir, "image");
        var tar = Proc.Run("/bin/tar", ["--numeric-owner", "--owner=0", "--group=0", "-C", Host.TemplateRootfs, "-cf", Path.Join(Dir, "layer.tar"), "."]);
        tar.EnsureSuccess("tar of the template rootfs");
        OciLayoutWriter.Write(layout, [File.ReadAllBytes(Path.Join(Dir, "layer.tar"))], editConfig: c => c["config"]!["Env"] = new JsonArray("PATH=/bin:/usr/bin"));
        string archive = Path.Join(Dir, "image.tar");
        OciLayoutWriter.Archive(layout, archive);
        if (Rootless) Host.ChownToUser(Dir);
        Ctr(["images", "import", "--base-name", Image.Split(':')[0], archive]).EnsureSuccess("ctr images import");
    }

    public void Dispose()
    {
        // Containers first (a test that failed midway), then containerd, then the shims it left.
        try
        {
            var list = Ctr(["tasks", "ls", "--quiet"], TimeSpan.FromSeconds(10));
            foreach (var id in list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                Ctr(["tasks", "kill", "--signal", "KILL", id], TimeSpan.FromSeconds(10));
                Ctr(["tasks", "delete", "--force", id], TimeSpan.FromSeconds(10));
            }
            foreach (var id in Ctr(["containers", "ls", "--quiet"], TimeSpan.FromSeconds(10)).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                Ctr(["containers", "rm", id], TimeSpan.FromSeconds(10));
        }
        catch (Exception) { }
        _proc.Dispose();
        foreach (int pid in ProcessesNaming(Dir)) { try { Host.Signal(pid, Host.SIGKILL); } catch (InvalidOperationException) { } }
        try { Proc.Run("/bin/rm", ["-rf", Dir]); } catch (Exception) { }
        // containerd's cgroupsPath is /NAMESPACE/ID: the namespace's cgroup stays behind, as with runc.
        if (!Rootless && CgroupMount() is { } mount)
            try { Directory.Delete(Path.Join(mount, Namespace)); } catch (IOException) { } // not empty: another run's
    }

    /// <summary>The cgroup2 mount point, or null (the CRI lane links this file without DefaultResourcesTests).</summary>
    static string? CgroupMount() => File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' '))
        .Where(p => p[Array.IndexOf(p, "-") + 1] == "cgroup2").Select(p => p[4]).FirstOrDefault();

    /// <summary>The processes whose command line names PATH (the shims started for this containerd, RootlessKit's).</summary>
    static List<int> ProcessesNaming(string path)
    {
        var pids = new List<int>();
        foreach (var d in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out int pid) || pid == Environment.ProcessId) continue;
            try { if (File.ReadAllText(Path.Join(d, "cmdline")).Contains(path)) pids.Add(pid); }
            catch (IOException) { }
        }
        return pids;
    }
}
