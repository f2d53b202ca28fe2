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
public sealed class PodmanPodTests(PodmanWorld podman) : IClassFixture<PodmanWorld>
{
    static string NewName(string tag) => $"it-{tag}-{Guid.NewGuid():N}"[..20];

    [PodmanFact]
    public void A_container_run_in_a_pod_shares_the_pods_ipc_namespace_and_its_mqueue()
    {
        string pod = NewName("pod");
        podman.Ok("pod", "create", "--network", "none", "--name", pod);
        try
        {
            string first = NewName("first");
            podman.Ok("run", "-d", "--pod", pod, "--name", first, PodmanWorld.Image, "sh", "-c", "touch /dev/mqueue/q-first; sleep 60");
            string infra = podman.Ok("pod", "inspect", "--format", "{{.InfraContainerID}}", pod).Trim();
            string infraPid = podman.Ok("inspect", "--format", "{{.State.Pid}}", infra).Trim();
            string infraIpc = new FileInfo($"/proc/{infraPid}/ns/ipc").LinkTarget!;

            var r = podman.Ok("run", "--rm", "--pod", pod, PodmanWorld.Image, "sh", "-c",
                "for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /dev/mqueue/q-first ] && break; sleep 0.2; done; ls /dev/mqueue; grep ' /dev/mqueue ' /proc/self/mountinfo; readlink /proc/self/ns/ipc");

            var lines = r.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains("q-first", lines);
            Assert.Contains(lines, l => l.Contains(" - mqueue "));
            Assert.Equal(infraIpc, lines[^1]);
        }
        finally { podman.Run("rlrun", "pod", "rm", "-f", "-t", "0", pod); }
    }

    [PodmanFact]
    public void Run_with_a_new_pod_works()
    {
        string pod = NewName("newpod");
        try
        {
            var r = podman.Ok("run", "--rm", "--network", "none", "--pod", $"new:{pod}", PodmanWorld.Image, "sh", "-c", "grep ' /dev/mqueue ' /proc/self/mountinfo");
            Assert.Contains(" - mqueue ", r);
        }
        finally { podman.Run("rlrun", "pod", "rm", "-f", "-t", "0", pod); }
    }

    [PodmanFact]
    public void Ipc_container_joins_another_containers_ipc_namespace()
    {
        string owner = NewName("ipcowner");
        try
        {
            podman.Ok("run", "-d", "--network", "none", "--name", owner, PodmanWorld.Image, "sh", "-c", "touch /dev/mqueue/q-owner; sleep 60");
            var r = podman.Ok("run", "--rm", "--network", "none", "--ipc", $"container:{owner}", PodmanWorld.Image, "sh", "-c",
                "for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /dev/mqueue/q-owner ] && break; sleep 0.2; done; ls /dev/mqueue");
            Assert.Contains("q-owner", r.Split('\n'));
        }
        finally { podman.Run("rlrun", "rm", "-f", "-t", "0", owner); }
    }

    /// <summary>A Kubernetes pod of two containers: b sees the message queue a made.</summary>
    [PodmanFact]
    public void Play_kube_runs_a_two_container_pod_that_shares_ipc()
    {
        string pod = NewName("kube");
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
                image: {{PodmanWorld.Image}}
                command: ["sh", "-c", "touch /dev/mqueue/from-a; sleep 5"]
              - name: b
                image: {{PodmanWorld.Image}}
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
        finally { podman.Run("rlrun", "play", "kube", "--down", yaml); }
    }
}
