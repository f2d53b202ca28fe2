using Grpc.Core;
using Rlrun.CriTests.Cri;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.CriTests;

/// <summary>A rootless node: containerd as the unprivileged test user inside RootlessKit
/// (scripts/containerd-rootless.sh, its host network), the CRI plugin on with what a user namespace
/// allows (no cgroups, oom_score_adj only raised, no AppArmor), and handler rlrun: the runc shim
/// runs rlrun with euid 0 in RootlessKit's user namespace. A pod's life as kubelet drives it.</summary>
public sealed class RootlessPodTests
{
    // maps-done: the uid_map lines are in the log once it is (`id -u`'s "0" comes before them).
    const string TrapLoop = "trap 'echo got-term; exit 0' TERM; echo main-started; id -u; cat /proc/self/uid_map; echo maps-done; while :; do sleep 0.1; done";

    [RootlessCriFact]
    public void A_pod_lives_and_dies_on_a_rootless_node_with_handler_rlrun()
    {
        using var c = new PrivateContainerd(Host.Binary, "cri-rootless-", rootless: true);
        Assert.True(c.Error is null, c.Error);
        var k = new Kubelet(c);
        string[] List() => c.RlrunList(Host.Binary).EnsureSuccess("rlrun list").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var pulled = c.Images.PullImage(new PullImageRequest { Image = new ImageSpec { Image = c.PodImage } });
        Assert.StartsWith("sha256:", pulled.ImageRef);

        var pod = k.PodConfig("cri-rootless");
        string podId = k.RunPod(pod, "rlrun");
        var podStatus = c.Runtime.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = podId, Verbose = true });
        Assert.Equal(PodSandboxState.SandboxReady, podStatus.Status.State);
        Assert.Equal("rlrun", podStatus.Status.RuntimeHandler);
        Assert.Contains(podId, List());
        // The pause process is the test user's on the host: nothing here ran as the real root.
        int pausePid = System.Text.Json.Nodes.JsonNode.Parse(podStatus.Info["info"])!["pid"]!.GetValue<int>();
        Assert.Equal(Host.Uid.ToString(), RealUid(pausePid));

        string main = k.Create(podId, pod, k.ContainerConfig("main", "/bin/sh", "-c", TrapLoop));
        Assert.Equal(ContainerState.ContainerCreated, k.Status(main).State);
        k.Start(main);
        string mainLog = Path.Join(pod.LogDirectory, "main.log");
        Assert.True(Kubelet.WaitForLog(mainLog, "main-started", TimeSpan.FromSeconds(60)), $"no 'main-started' in {mainLog}: {ReadAll(mainLog)}\n{c.DaemonLog}");
        Assert.Equal(ContainerState.ContainerRunning, k.Status(main).State);
        Assert.Equal("running", System.Text.Json.Nodes.JsonNode.Parse(
            c.RlrunState(Host.Binary, main).EnsureSuccess("rlrun state").Stdout)!["status"]!.GetValue<string>());
        // Root in the container is the test user on the host (RootlessKit's mapping: 0 is the user, 1.. its range).
        Assert.True(Kubelet.WaitForLog(mainLog, "maps-done", TimeSpan.FromSeconds(60)), ReadAll(mainLog));
        Assert.Contains(("stdout", "0"), Kubelet.ReadLog(mainLog));
        var uidMap = Kubelet.ReadLog(mainLog).Select(l => l.Message.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Contains(uidMap, f => f.SequenceEqual(["0", Host.Uid.ToString(), "1"]));
        Assert.Contains(uidMap, f => f.Length == 3 && f[0] == "1" && f[1] == Host.SubUid!.Value.Start.ToString());
        Assert.Equal(Host.Uid.ToString(), RealUid(k.Pid(main)));

        var exec = k.Exec(main, 10, "/bin/sh", "-c", "echo exec-out; echo exec-err >&2; exit 3");
        Assert.Equal(3, exec.ExitCode);
        Assert.Equal("exec-out\n", exec.Stdout.ToStringUtf8());
        Assert.Equal("exec-err\n", exec.Stderr.ToStringUtf8());

        k.Stop(main, 10);
        var stopped = k.Status(main);
        Assert.Equal(ContainerState.ContainerExited, stopped.State);
        Assert.Equal(0, stopped.ExitCode);
        Assert.Contains(("stdout", "got-term"), Kubelet.ReadLog(mainLog));

        k.Remove(main);
        Assert.Empty(c.Runtime.ListContainers(new ListContainersRequest { Filter = new ContainerFilter { PodSandboxId = podId } }).Containers);
        Assert.DoesNotContain(main, List());

        k.StopPod(podId);
        Assert.Equal(PodSandboxState.SandboxNotready, c.Runtime.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = podId }).Status.State);
        Assert.True(Host.ProcessGone(pausePid), $"the pause process {pausePid} outlived StopPodSandbox");
        k.RemovePod(podId);
        Assert.DoesNotContain(c.Runtime.ListPodSandbox(new ListPodSandboxRequest()).Items, s => s.Id == podId);
        Assert.DoesNotContain(podId, List());
        var gone = Assert.Throws<RpcException>(() => c.Runtime.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = podId }));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }

    /// <summary>The real uid of a host process (the first field of its status' Uid line).</summary>
    static string RealUid(int pid) =>
        File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:")).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];

    static string ReadAll(string path) => File.Exists(path) ? File.ReadAllText(path) : "(no log)";
}

/// <summary>A rootless CRI test: skipped, naming the host fact, where a rootless node cannot run.</summary>
public sealed class RootlessCriFactAttribute : FactAttribute
{
    public RootlessCriFactAttribute()
    {
        if (PrivateContainerd.MissingRootless is { } why) Skip = why;
    }
}
