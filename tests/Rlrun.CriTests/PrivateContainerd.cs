using System.Net.Sockets;
using Grpc.Net.Client;
using Rlrun.CriTests.Cri;
using Rlrun.IntegrationTests.Harness;

namespace Rlrun.CriTests;

/// <summary>Debian's containerd 1.6 of our own: config, root, state, socket and the runc shim's
/// --root for each handler all under one temp dir, so the system containerd (if any) is never
/// touched. Its CRI plugin has two runtime handlers, `rlrun` (the runc shim with BinaryName = the
/// rlrun under test) and `runc`, and pulls the sandbox and pod images, built here from
/// busybox-static, from a loopback registry over plain HTTP. CNI is only the loopback plugin;
/// the pods here use the host's network, so no address but loopback is ever configured.
/// Rootless (a rootless node): the same containerd runs as the test user inside RootlessKit through
/// scripts/containerd-rootless.sh (its host network: CONTAINERD_ROOTLESS_NET=host), the shim and
/// rlrun with euid 0 in RootlessKit's user namespace; the test talks to its socket from outside.
/// systemdCgroup: the rlrun handler's SystemdCgroup = true (the shim's --systemd-cgroup);
/// inUserManager: the rootless containerd runs as a service of the test user's systemd --user (as
/// containerd-rootless-setuptool.sh installs it), not from a root shell through setpriv.</summary>
public sealed class PrivateContainerd : IDisposable
{
    public static readonly string? Binary = new[] { "/usr/bin/containerd" }.FirstOrDefault(File.Exists);

    /// <summary>Why this host cannot run the lane, or null: the host facts a CRI test skips for.</summary>
    public static string? Missing =>
        !Host.IsRoot ? "requires root: containerd runs as root here" :
        Binary is null ? "requires containerd (Debian's package containerd)" :
        !File.Exists("/usr/bin/containerd-shim-runc-v2") ? "requires containerd-shim-runc-v2 (Debian's package containerd)" :
        LoopbackRegistry.Binary is null || LoopbackRegistry.Skopeo is null ? "requires docker-registry and skopeo (the loopback registry)" :
        !File.Exists("/bin/busybox") ? "requires /bin/busybox (busybox-static) for the images" :
        null;

    /// <summary>Why this host cannot run a rootless node, or null.</summary>
    public static string? MissingRootless =>
        Missing is { } why ? why :
        !Host.SwitchesUser ? "requires root switching to RLRUN_TEST_USER: containerd runs as the test user inside RootlessKit" :
        Host.SubUid is null || Host.SubGid is null ? $"requires a range for {Host.UserName} in /etc/subuid and /etc/subgid (scripts/ensure-user.sh adds one)" :
        !File.Exists("/usr/bin/rootlesskit") ? "requires Debian's rootlesskit package: /usr/bin/rootlesskit is missing" :
        !File.Exists("/usr/bin/nsenter") ? "requires nsenter (util-linux) to reach RootlessKit's namespaces" :
        null;

    public bool Rootless { get; }
    public string Dir { get; }
    public string Socket => Path.Join(Dir, "containerd.sock");
    /// <summary>containerd's state and the runtimes' roots. On a node they are under /run, a tmpfs
    /// (/run/containerd, /run/containerd/runc): as root, Dir/run is a tmpfs of our own, so what a
    /// runtime writes there costs what it costs on a node (rlrun's state.json fsync is a journal
    /// commit on this machine's ext4 /tmp, ~2 ms a call, and nothing on tmpfs). Rootless, Dir/run is
    /// a plain directory of the user's (mounting is root's).</summary>
    public string RunDir => Path.Join(Dir, "run");
    public string RlrunRoot => Path.Join(RunDir, "rlrun-root");
    public string RuncRoot => Path.Join(RunDir, "runc-root");
    public string LogDir => Path.Join(Dir, "pod-logs");
    public LoopbackRegistry Registry { get; }
    public string PauseImage => $"{Registry.Host}/cri/pause:v1";
    public string PodImage => $"{Registry.Host}/cri/busybox:v1";
    public RuntimeService.RuntimeServiceClient Runtime { get; }
    public ImageService.ImageServiceClient Images { get; }
    public string? Error { get; }

    readonly RunningProc? _daemon;
    readonly string? _unit;
    readonly bool _systemdCgroup;
    readonly GrpcChannel _channel;

    public PrivateContainerd(string rlrunBinary, string dirPrefix = "cri-containerd-", bool rootless = false,
        bool systemdCgroup = false, bool inUserManager = false)
    {
        Rootless = rootless;
        _systemdCgroup = systemdCgroup;
        Dir = Directory.CreateTempSubdirectory(dirPrefix).FullName;
        Registry = Missing is null ? new LoopbackRegistry() : null!;
        _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) =>
                {
                    var s = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try { await s.ConnectAsync(new UnixDomainSocketEndPoint(Socket), ct); }
                    catch { s.Dispose(); throw; }
                    return new NetworkStream(s, ownsSocket: true);
                },
            },
        });
        Runtime = new RuntimeService.RuntimeServiceClient(_channel);
        Images = new ImageService.ImageServiceClient(_channel);
        if ((rootless ? MissingRootless : Missing) is not null) return;

        Directory.CreateDirectory(RunDir);
        if (!rootless)
            Proc.Run("/bin/mount", ["-t", "tmpfs", "-o", "mode=0700,size=256m", "tmpfs", RunDir]).EnsureSuccess("mount a tmpfs on " + RunDir);
        PodImages.Push(Registry, Path.Join(Dir, "layouts"));
        Directory.CreateDirectory(Path.Join(Dir, "cni"));
        // The loopback plugin only: the CRI plugin wants a network config to call itself ready.
        File.WriteAllText(Path.Join(Dir, "cni", "10-loopback.conflist"),
            """{"cniVersion": "0.4.0", "name": "cri-loopback", "plugins": [{"type": "loopback"}]}""");
        string config = Path.Join(Dir, "config.toml");
        File.WriteAllText(config, Config(rlrunBinary));
        if (rootless)
        {
            // Everything under Dir is the user's: containerd's root and state, the CRI logs, the shims' --root.
            Directory.CreateDirectory(LogDir);
            Host.ChownToUser(Dir);
            string script = Path.Join(Host.RepoRoot, "scripts", "containerd-rootless.sh");
            KeyValuePair<string, string>[] env = [.. Host.ShellEnv,
                new("CONTAINERD_ROOTLESS_NET", "host"), new("CONTAINERD_ROOTLESS_STATE_DIR", Path.Join(Dir, "rootlesskit"))];
            string[] args = ["--config", config, "--log-level", "warn"];
            if (inUserManager)
            {
                // A service of the user's manager, its output piped back to us (systemd-run --pipe --wait).
                _unit = $"cri-containerd-{Guid.NewGuid():N}"[..30] + ".service";
                var argv = new List<string> { "--user", "--pipe", "--wait", "--quiet", "--collect", $"--unit={_unit}", "-p", "Delegate=yes" };
                foreach (var (k, v) in env) argv.AddRange(["-E", $"{k}={v}"]);
                _daemon = Proc.Start(Host.AsUser("/usr/bin/systemd-run", [.. argv, script, .. args], ManagerEnv));
            }
            else
            {
                _daemon = Proc.Start(Host.AsUser(script, args, env));
            }
        }
        else
        {
            _daemon = Proc.Start(new ProcSpec(Binary!, ["--config", config, "--log-level", "warn"]));
        }
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                Runtime.Version(new VersionRequest { Version = "v1" }, deadline: DateTime.UtcNow.AddSeconds(2));
                break;
            }
            catch (Grpc.Core.RpcException) { }
            if (_daemon.HasExited || DateTime.UtcNow > until)
            {
                Error = $"containerd did not answer on {Socket}: {_daemon.Stderr}";
                return;
            }
            Thread.Sleep(100);
        }
    }

    /// <summary>What systemd-run and systemctl --user need to reach the user's manager (its bus).</summary>
    static KeyValuePair<string, string>[] ManagerEnv =>
        [new("DBUS_SESSION_BUS_ADDRESS", $"unix:path={Host.RuntimeDir}/bus"), new("PATH", "/usr/bin:/bin")];

    /// <summary>containerd's own log so far (for a failed assertion's message).</summary>
    public string DaemonLog => _daemon?.Stderr ?? "";

    string Config(string rlrun) => $"""
        version = 2
        root = "{Dir}/root"
        state = "{RunDir}/state"
        [grpc]
          address = "{Socket}"
        [ttrpc]
          address = "{Socket}.ttrpc"
        [plugins."io.containerd.internal.v1.opt"]
          path = "{Dir}/opt"
        [plugins."io.containerd.grpc.v1.cri"]
          sandbox_image = "{PauseImage}"
          stream_server_address = "127.0.0.1"
          stream_server_port = "0"
          enable_selinux = false
          disable_cgroup = {(Rootless || !CgroupV2Limits).ToString().ToLowerInvariant()}
          restrict_oom_score_adj = {(Rootless || !MayLowerOomScore).ToString().ToLowerInvariant()}
          disable_apparmor = {Rootless.ToString().ToLowerInvariant()}
          [plugins."io.containerd.grpc.v1.cri".cni]
            bin_dir = "/usr/lib/cni"
            conf_dir = "{Dir}/cni"
          [plugins."io.containerd.grpc.v1.cri".containerd]
            default_runtime_name = "runc"
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.rlrun]
              runtime_type = "io.containerd.runc.v2"
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.rlrun.options]
                BinaryName = "{rlrun}"
                Root = "{RlrunRoot}"
                SystemdCgroup = {_systemdCgroup.ToString().ToLowerInvariant()}
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                BinaryName = "/usr/sbin/runc"
                Root = "{RuncRoot}"
          [plugins."io.containerd.grpc.v1.cri".registry.mirrors."{Registry.Host}"]
            endpoint = ["http://{Registry.Host}"]
        """;

    /// <summary>Whether the cgroup v2 root offers the cpu and memory controllers (a pure cgroup v2
    /// node). Where it does not (this hybrid test machine: every controller on v1), containerd's CRI
    /// runs with disable_cgroup: else every pod sandbox asks for cpu.shares 2, a real limit that rlrun
    /// (cgroup v2 only) refuses there. runc, on v1, would enforce it.</summary>
    public static bool CgroupV2Limits
    {
        get
        {
            string? mount = File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' '))
                .Where(p => p[Array.IndexOf(p, "-") + 1] == "cgroup2").Select(p => p[4]).FirstOrDefault();
            if (mount is null) return false;
            var controllers = File.ReadAllText(Path.Join(mount, "cgroup.controllers")).Split(' ', '\n');
            return controllers.Contains("cpu") && controllers.Contains("memory");
        }
    }

    /// <summary>Whether we hold CAP_SYS_RESOURCE (bit 24 of CapEff), which lowering oom_score_adj
    /// needs: a pod sandbox asks for -998. Without it (this test machine's root lacks it) runc and
    /// rlrun alike fail to write it, so containerd is told to keep adjustments at or above its own.</summary>
    static bool MayLowerOomScore =>
        File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("CapEff:")) is var l &&
        (Convert.ToUInt64(l["CapEff:".Length..].Trim(), 16) & (1UL << 24)) != 0;

    /// <summary>`rlrun --root ROOT list` as the shim sees it (ROOT is the handler's Root option
    /// plus the containerd namespace, k8s.io for the CRI).</summary>
    public ProcResult RlrunList(string rlrun) => Rlrun(rlrun, "list", "-q");

    public ProcResult RlrunState(string rlrun, string id) => Rlrun(rlrun, "state", id);

    /// <summary>rlrun --root SHIM-ROOT ARGS where the shim runs it: as root, or rootless in
    /// RootlessKit's user and mount namespaces (nsenter -U -m -t CHILD, as the script's usage says).</summary>
    ProcResult Rlrun(string rlrun, params string[] args)
    {
        string[] argv = ["--root", Path.Join(RlrunRoot, "k8s.io"), .. args];
        if (!Rootless) return Proc.Run(rlrun, argv, timeout: TimeSpan.FromSeconds(20));
        string child = File.ReadAllText(Path.Join(Dir, "rootlesskit", "child_pid")).Trim();
        return Proc.Run(Host.AsUser("/usr/bin/nsenter", ["-U", "-m", "--preserve-credentials", "-t", child, rlrun, .. argv], Host.ShellEnv),
            timeout: TimeSpan.FromSeconds(20));
    }

    public void Dispose()
    {
        // Pods first, through the CRI, so the shims take their containers away; then whatever is left.
        try
        {
            foreach (var s in Runtime.ListPodSandbox(new ListPodSandboxRequest(), deadline: DateTime.UtcNow.AddSeconds(10)).Items)
            {
                try { Runtime.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = s.Id }, deadline: DateTime.UtcNow.AddSeconds(30)); } catch (Grpc.Core.RpcException) { }
                try { Runtime.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = s.Id }, deadline: DateTime.UtcNow.AddSeconds(30)); } catch (Grpc.Core.RpcException) { }
            }
        }
        catch (Exception) { }
        // Rootless, what a failed test left is out of the host's reach once RootlessKit is gone: force it out first.
        if (Rootless && File.Exists(Path.Join(Dir, "rootlesskit", "child_pid")))
        {
            try
            {
                foreach (var id in RlrunList(Host.Binary).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    Rlrun(Host.Binary, "delete", "--force", id);
            }
            catch (Exception) { }
        }
        _channel.Dispose();
        if (_unit is not null)
        {
            foreach (var verb in new[] { "stop", "reset-failed" })
                Proc.Run(Host.AsUser("/usr/bin/systemctl", ["--user", verb, _unit], ManagerEnv), timeout: TimeSpan.FromSeconds(30));
        }
        if (_daemon is not null)
        {
            // (systemd-run --wait has returned once its unit is stopped)
            if (!_daemon.HasExited) Host.Signal(_daemon.Pid, 15);
            _daemon.Wait(TimeSpan.FromSeconds(10));
            _daemon.Dispose();
        }
        KillShims();
        if (Rootless) KillNaming(Dir); // RootlessKit's child, the script: what the tree kill missed
        UnmountUnder(Dir);
        try { Directory.Delete(Dir, recursive: true); } catch (Exception) { }
        Registry?.Dispose();
    }

    /// <summary>The runc shims outlive containerd by design; ours are the ones given our socket.</summary>
    void KillShims()
    {
        foreach (var p in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(p), out int pid)) continue;
            string cmdline;
            try { cmdline = File.ReadAllText(Path.Join(p, "cmdline")); } catch (Exception) { continue; }
            if (cmdline.StartsWith("/usr/bin/containerd-shim-runc-v2\0") && cmdline.Contains($"\0{Socket}\0")) Host.Signal(pid, 9);
        }
    }

    static void KillNaming(string path)
    {
        foreach (var p in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(p), out int pid) || pid == Environment.ProcessId) continue;
            try { if (File.ReadAllText(Path.Join(p, "cmdline")).Contains(path)) Host.Signal(pid, 9); }
            catch (Exception) { }
        }
    }

    /// <summary>Snapshot and /dev/shm mounts left by a failed test, deepest first.</summary>
    static void UnmountUnder(string dir)
    {
        var points = File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4])
            .Where(m => m.StartsWith(dir + "/")).OrderByDescending(m => m.Length).ToList();
        foreach (var m in points) Proc.Run("/bin/umount", ["-l", m]);
    }
}
