using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>Containers that share an IPC namespace, as pods do (podman's and Kubernetes'): the one that
/// joins the namespace by path gets a fresh mqueue mount of that namespace at /dev/mqueue, as with runc,
/// so a message queue one makes the other sees. (rlrun used to bind the host's /dev/mqueue there:
/// "mount /dev/mqueue (bind) on /dev/mqueue: No such file or directory" where the host has none.)</summary>
public sealed class PodIpcTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    /// <summary>With configs alone: the second container joins the first one's user and IPC namespaces
    /// by path (a pod's containers share a user namespace too: its owner may mount mqueue).</summary>
    [UserFact]
    public void A_container_joining_an_ipc_namespace_by_path_gets_that_namespaces_mqueue()
    {
        var (first, pid, _) = _s.RunDetached("ipcowner", "touch /dev/mqueue/q-first && " + Scripts.TrapLoop);
        string ipc = new FileInfo($"/proc/{pid}/ns/ipc").LinkTarget!;
        var b = _s.NewBundle(["sh", "-c", "ls /dev/mqueue; grep ' /dev/mqueue ' /proc/self/mountinfo; readlink /proc/self/ns/ipc"], c =>
        {
            foreach (var ns in c["linux"]!["namespaces"]!.AsArray())
            {
                string type = ns!["type"]!.GetValue<string>();
                if (type is "user" or "ipc") ns["path"] = $"/proc/{pid}/ns/{type}";
            }
        });

        var r = _s.Rl("run", "--bundle", b.Path, _s.NewId("ipcjoin"));

        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("q-first", lines);
        Assert.Contains(lines, l => l.Contains(" - mqueue "));
        Assert.Equal(ipc, lines[^1]);
        Assert.Equal("running", _s.Status(first));
    }
}

/// <summary>podman (Debian's 4.3) driving rlrun: pods, `--pod new:`, `--ipc container:` and
/// `play kube`. Each test class gets its own podman store with a busybox image imported from the
/// test rootfs; the network is "none" (slirp4netns needs /dev/net/tun, which the test machine keeps
/// 0600); rlrun makes its automatic cgroup choice, as podman's users get it.</summary>
public sealed class PodmanPodTests(PodmanStore podman) : IClassFixture<PodmanStore>
{
    [PodmanFact]
    public void A_container_run_in_a_pod_shares_the_pods_ipc_namespace_and_its_mqueue()
    {
        string pod = PodmanStore.NewName("pod");
        podman.Ok("pod", "create", "--network", "none", "--name", pod);
        try
        {
            string first = PodmanStore.NewName("first");
            podman.Ok("run", "-d", "--pod", pod, "--name", first, podman.Image, "sh", "-c", "touch /dev/mqueue/q-first; sleep 60");
            string infra = podman.Ok("pod", "inspect", "--format", "{{.InfraContainerID}}", pod).Trim();
            string infraPid = podman.Ok("inspect", "--format", "{{.State.Pid}}", infra).Trim();
            string infraIpc = new FileInfo($"/proc/{infraPid}/ns/ipc").LinkTarget!;

            var r = podman.Ok("run", "--rm", "--pod", pod, podman.Image, "sh", "-c",
                "for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /dev/mqueue/q-first ] && break; sleep 0.2; done; ls /dev/mqueue; grep ' /dev/mqueue ' /proc/self/mountinfo; readlink /proc/self/ns/ipc");

            var lines = r.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains("q-first", lines);
            Assert.Contains(lines, l => l.Contains(" - mqueue "));
            Assert.Equal(infraIpc, lines[^1]);
        }
        finally { podman.Run("pod", "rm", "-f", "-t", "0", pod); }
    }

    [PodmanFact]
    public void Run_with_a_new_pod_works()
    {
        string pod = PodmanStore.NewName("newpod");
        try
        {
            var r = podman.Ok("run", "--rm", "--network", "none", "--pod", $"new:{pod}", podman.Image, "sh", "-c", "grep ' /dev/mqueue ' /proc/self/mountinfo");
            Assert.Contains(" - mqueue ", r);
        }
        finally { podman.Run("pod", "rm", "-f", "-t", "0", pod); }
    }

    [PodmanFact]
    public void Ipc_container_joins_another_containers_ipc_namespace()
    {
        string owner = PodmanStore.NewName("ipcowner");
        try
        {
            podman.Ok("run", "-d", "--network", "none", "--name", owner, podman.Image, "sh", "-c", "touch /dev/mqueue/q-owner; sleep 60");
            var r = podman.Ok("run", "--rm", "--network", "none", "--ipc", $"container:{owner}", podman.Image, "sh", "-c",
                "for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /dev/mqueue/q-owner ] && break; sleep 0.2; done; ls /dev/mqueue");
            Assert.Contains("q-owner", r.Split('\n'));
        }
        finally { podman.Run("rm", "-f", "-t", "0", owner); }
    }

    /// <summary>A Kubernetes pod of two containers: b sees the message queue a made.</summary>
    [PodmanFact]
    public void Play_kube_runs_a_two_container_pod_that_shares_ipc()
    {
        string pod = PodmanStore.NewName("kube");
        string yaml = Path.Join(podman.Dir, $"{pod}.yaml");
        File.WriteAllText(yaml, $$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: {{pod}}
            spec:
              restartPolicy: Never
              containers:
              - name: a
                image: {{podman.Image}}
                command: ["sh", "-c", "touch /dev/mqueue/from-a; sleep 5"]
              - name: b
                image: {{podman.Image}}
                command: ["sh", "-c", "for i in $(seq 50); do [ -e /dev/mqueue/from-a ] && echo found-a && exit 0; sleep 0.1; done; exit 3"]
            """);
        Host.ChownToUser(yaml);
        try
        {
            podman.Ok("play", "kube", "--network", "none", yaml);
            string exit = podman.Ok("wait", $"{pod}-b").Trim();
            Assert.Equal("0", exit);
            Assert.Contains("found-a", podman.Ok("logs", $"{pod}-b"));
        }
        finally { podman.Run("play", "kube", "--down", yaml); }
    }
}

/// <summary>A podman store of the test user's, in the run's directory, with a busybox image imported
/// from the test rootfs; everything in it is removed at the end.</summary>
public sealed class PodmanStore : IDisposable
{
    public const string Binary = "/usr/bin/podman";
    public string Dir { get; }
    public string Image { get; } = "localhost/rlrun-it-busybox:1";

    /// <summary>podman wants its runroot within 50 characters: in the user's runtime dir.</summary>
    readonly string _runRoot;

    public PodmanStore()
    {
        string tag = Guid.NewGuid().ToString("N")[..8];
        Dir = Path.Join(Host.RunDir, $"pm-{tag}");
        _runRoot = Path.Join(Host.RuntimeDir, $"rlrun-it-pm-{tag}");
        foreach (var dir in new[] { Dir, _runRoot })
        {
            Directory.CreateDirectory(dir);
            File.SetUnixFileMode(dir, (UnixFileMode)0x1c0);
            Host.ChownToUser(dir);
        }
        if (!File.Exists(Binary)) return; // the tests skip
        string tar = Path.Join(Dir, "busybox.tar");
        Proc.Run(Host.AsUser("/bin/tar", ["-C", Host.TemplateRootfs, "-cf", tar, "."])).EnsureSuccess("tar of the test rootfs");
        Ok("import", tar, Image);
    }

    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    ProcSpec Spec(string[] args) => Host.AsUser(Binary,
    [
        "--root", Path.Join(Dir, "storage"), "--runroot", _runRoot, "--tmpdir", Path.Join(Dir, "tmp"),
        "--events-backend=file", "--cgroup-manager=cgroupfs", "--storage-driver=vfs",
        "--runtime", Host.Binary, .. args,
    ], Host.ShellEnv);

    public ProcResult Run(params string[] args) => Proc.Run(Spec(args), timeout: Timeout);

    /// <summary>Runs podman ARGS, which must succeed; its stdout.</summary>
    public string Ok(params string[] args)
    {
        var r = Run(args);
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        return r.Stdout;
    }

    public static string NewName(string tag) => $"it-{tag}-{Guid.NewGuid():N}"[..20];

    public void Dispose()
    {
        if (File.Exists(Binary))
        {
            Run("pod", "rm", "-a", "-f", "-t", "0");
            Run("rm", "-a", "-f", "-t", "0");
            // The store's files belong to subordinate IDs: removed from inside podman's user namespace.
            Run("unshare", "rm", "-rf", Path.Join(Dir, "storage"), Path.Join(Dir, "tmp"), _runRoot);
        }
        foreach (var dir in new[] { Dir, _runRoot })
            try { Directory.Delete(dir, recursive: true); } catch (Exception) { }
    }
}

/// <summary>A test of rlrun driven by podman, as the unprivileged user.</summary>
public sealed class PodmanFactAttribute : FactAttribute
{
    public PodmanFactAttribute()
    {
        if (!Host.Unprivileged) Skip = "requires an unprivileged user: the tests run as root and RLRUN_TEST_USER is not set";
        else if (!File.Exists(PodmanStore.Binary)) Skip = $"{PodmanStore.Binary} is missing (apt-get install podman catatonit)";
    }
}
