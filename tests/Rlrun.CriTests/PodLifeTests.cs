using Grpc.Core;
using Rlrun.CriTests.Cri;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.CriTests;

/// <summary>One private containerd per class (it takes a few seconds to start and pull).</summary>
public sealed class ContainerdFixture : IDisposable
{
    public PrivateContainerd Containerd { get; } = new(Host.Binary);
    public void Dispose() => Containerd.Dispose();
}

/// <summary>A pod's whole life through the CRI with runtime_handler "rlrun", as kubelet drives it:
/// each step checks what really happened (the log, exit codes, exec output, namespaces, and what
/// `rlrun list` under the shim's root shows).</summary>
public sealed class PodLifeTests(ContainerdFixture f) : IClassFixture<ContainerdFixture>
{
    PrivateContainerd C => f.Containerd;
    Kubelet K => new(C);

    // Kubelet's own stop: SIGTERM, and SIGKILL when the grace period runs out.
    const string TrapLoop = "trap 'echo got-term; exit 0' TERM; echo main-started; while :; do sleep 0.1; done";

    void Ready()
    {
        Assert.True(PrivateContainerd.Missing is null, PrivateContainerd.Missing);
        Assert.True(C.Error is null, C.Error);
    }

    /// <summary>The IDs `rlrun list -q` shows under the shim's root.</summary>
    string[] List() => C.RlrunList(Host.Binary).EnsureSuccess("rlrun list").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    string RlrunStatus(string id) => System.Text.Json.Nodes.JsonNode.Parse(
        C.RlrunState(Host.Binary, id).EnsureSuccess("rlrun state").Stdout)!["status"]!.GetValue<string>();

    [CriFact]
    public void Version_names_containerd_and_CRI_v1()
    {
        Ready();
        var v = C.Runtime.Version(new VersionRequest { Version = "v1" });
        Assert.Equal("containerd", v.RuntimeName);
        Assert.Equal("v1", v.RuntimeApiVersion);
        Assert.StartsWith("1.6", v.RuntimeVersion.TrimStart('v'));
    }

    [CriFact]
    public void A_pod_lives_and_dies_through_the_CRI_with_handler_rlrun()
    {
        Ready();
        var pulled = C.Images.PullImage(new PullImageRequest { Image = new ImageSpec { Image = C.PodImage } });
        Assert.StartsWith("sha256:", pulled.ImageRef);

        var pod = K.PodConfig("cri-life");
        string podId = K.RunPod(pod, "rlrun");
        var podStatus = C.Runtime.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = podId }).Status;
        Assert.Equal(PodSandboxState.SandboxReady, podStatus.State);
        Assert.Equal("rlrun", podStatus.RuntimeHandler);
        Assert.Contains(podId, List()); // the pause container is rlrun's

        string main = K.Create(podId, pod, K.ContainerConfig("main", "/bin/sh", "-c", TrapLoop));
        Assert.Equal(ContainerState.ContainerCreated, K.Status(main).State);
        // containerd makes the task (rlrun create + start) only at StartContainer.
        Assert.DoesNotContain(main, List());
        K.Start(main);
        string mainLog = Path.Join(pod.LogDirectory, "main.log");
        Assert.True(Kubelet.WaitForLog(mainLog, "main-started", TimeSpan.FromSeconds(60)), $"no 'main-started' in {mainLog}: {File.ReadAllText(mainLog)}");
        var status = K.Status(main);
        Assert.Equal(ContainerState.ContainerRunning, status.State);
        Assert.Equal("running", RlrunStatus(main));

        // ExecSync: stdout, stderr and the exit code come back apart.
        var exec = K.Exec(main, 10, "/bin/sh", "-c", "echo exec-out; echo exec-err >&2; exit 3");
        Assert.Equal(3, exec.ExitCode);
        Assert.Equal("exec-out\n", exec.Stdout.ToStringUtf8());
        Assert.Equal("exec-err\n", exec.Stderr.ToStringUtf8());

        // A second container shares the pod's IPC namespace (not the host's) and the host's network.
        string mainIpc = K.Exec(main, 10, "/bin/readlink", "/proc/self/ns/ipc").Stdout.ToStringUtf8().Trim();
        string side = K.Create(podId, pod, K.ContainerConfig("side", "/bin/sh", "-c", "readlink /proc/self/ns/ipc; readlink /proc/self/ns/net; echo side-err >&2; exit 7"));
        K.Start(side);
        var sideStatus = WaitExited(side);
        Assert.Equal(7, sideStatus.ExitCode);
        var sideLog = Kubelet.ReadLog(Path.Join(pod.LogDirectory, "side.log"));
        // stdout and stderr reach the log through two pipes that containerd copies apart: the order
        // holds within a stream, not across them (stderr's line may come first).
        Assert.Equal([mainIpc, Readlink("/proc/self/ns/net")], sideLog.Where(l => l.Stream == "stdout").Select(l => l.Message));
        Assert.Equal(["side-err"], sideLog.Where(l => l.Stream == "stderr").Select(l => l.Message));
        Assert.Equal(3, sideLog.Count);
        Assert.NotEqual(Readlink("/proc/self/ns/ipc"), mainIpc);
        Assert.Equal(Readlink($"/proc/{K.Pid(main)}/ns/ipc"), Readlink($"/proc/{PausePid(podId)}/ns/ipc"));

        UpdateResources(main);

        // StopContainer: TERM first; the trap's exit is the container's.
        K.Stop(main, 10);
        var stopped = K.Status(main);
        Assert.Equal(ContainerState.ContainerExited, stopped.State);
        Assert.Equal(0, stopped.ExitCode);
        Assert.Contains(("stdout", "got-term"), Kubelet.ReadLog(mainLog));

        // A process that ignores TERM is killed when the timeout runs out: exit 137.
        string stubborn = K.Create(podId, pod, K.ContainerConfig("stubborn", "/bin/sh", "-c", "trap '' TERM; echo ignoring; while :; do sleep 0.1; done"));
        K.Start(stubborn);
        Assert.True(Kubelet.WaitForLog(Path.Join(pod.LogDirectory, "stubborn.log"), "ignoring", TimeSpan.FromSeconds(60)));
        var t = System.Diagnostics.Stopwatch.StartNew();
        K.Stop(stubborn, 2);
        Assert.True(t.Elapsed >= TimeSpan.FromSeconds(1.5), $"stopped after {t.Elapsed}: the TERM grace period was not waited for");
        Assert.Equal(137, K.Status(stubborn).ExitCode);

        foreach (var id in new[] { main, side, stubborn }) K.Remove(id);
        var left = C.Runtime.ListContainers(new ListContainersRequest { Filter = new ContainerFilter { PodSandboxId = podId } }).Containers;
        Assert.Empty(left);
        var list = List();
        foreach (var id in new[] { main, side, stubborn }) Assert.DoesNotContain(id, list);
        Assert.Contains(podId, list);

        K.StopPod(podId);
        Assert.Equal(PodSandboxState.SandboxNotready, C.Runtime.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = podId }).Status.State);
        K.RemovePod(podId);
        Assert.DoesNotContain(C.Runtime.ListPodSandbox(new ListPodSandboxRequest()).Items, s => s.Id == podId);
        Assert.DoesNotContain(podId, List());
        var gone = Assert.Throws<RpcException>(() => C.Runtime.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = podId }));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }

    /// <summary>kubelet's in-place resize. What rlrun can enforce depends on the host's cgroup v2
    /// controllers; the update must reach rlrun either way and come back as it did.</summary>
    void UpdateResources(string id)
    {
        var req = new UpdateContainerResourcesRequest
        {
            ContainerId = id,
            Linux = new LinuxContainerResources { CpuShares = 1024, MemoryLimitInBytes = 256L << 20 },
        };
        string controllers = CgroupControllers();
        if (controllers.Split(' ').Contains("memory"))
        {
            C.Runtime.UpdateContainerResources(req);
            int pid = K.Pid(id);
            string cgroup = File.ReadAllText($"/proc/{pid}/cgroup").Split('\n').First(l => l.StartsWith("0::"))[3..];
            Assert.Equal((256L << 20).ToString(), File.ReadAllText(Path.Join(CgroupMount(), cgroup, "memory.max")).Trim());
        }
        else
        {
            // No memory controller in cgroup v2 here (a hybrid host): rlrun says so, containerd passes it on.
            var e = Assert.Throws<RpcException>(() => C.Runtime.UpdateContainerResources(req));
            Assert.Matches("the (cpu|memory) controller is not available in /sys/fs/cgroup/unified", e.Status.Detail);
        }
        Assert.Equal(ContainerState.ContainerRunning, K.Status(id).State);
    }

    ContainerStatus WaitExited(string id)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var s = K.Status(id);
            if (s.State == ContainerState.ContainerExited || DateTime.UtcNow > until) return s;
            Thread.Sleep(20);
        }
    }

    int PausePid(string podId)
    {
        var r = C.Runtime.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = podId, Verbose = true });
        return System.Text.Json.Nodes.JsonNode.Parse(r.Info["info"])!["pid"]!.GetValue<int>();
    }

    static string Readlink(string path) => new FileInfo(path).LinkTarget ?? throw new InvalidOperationException($"{path} is not a link");

    static string CgroupMount() => File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' '))
        .First(p => p[Array.IndexOf(p, "-") + 1] == "cgroup2")[4];

    static string CgroupControllers() => File.ReadAllText(Path.Join(CgroupMount(), "cgroup.controllers")).Trim();
}

/// <summary>A CRI test: skipped, naming the host fact, where the lane cannot run.</summary>
public sealed class CriFactAttribute : FactAttribute
{
    public CriFactAttribute()
    {
        if (PrivateContainerd.Missing is { } why) Skip = why;
    }
}
