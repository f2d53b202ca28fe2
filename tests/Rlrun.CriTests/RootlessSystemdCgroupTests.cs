using Grpc.Core;
using Rlrun.CriTests.Cri;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.CriTests;

/// <summary>`SystemdCgroup = true` for handler rlrun on a rootless node: the shim runs `rlrun
/// --systemd-cgroup`, and rlrun (euid 0 in RootlessKit's user namespace) asks the test user's
/// systemd --user (scripts/user-manager.sh) for a transient scope per container over the user's
/// bus. It works where a rootless node runs containerd: as a service of the user's manager
/// (containerd-rootless-setuptool.sh installs containerd.service there). From a root shell
/// (setpriv, su) containerd is outside the manager's tree, no systemd as PID 1 can move it in,
/// and rlrun refuses with that reason: the sandbox does not start.
/// The rootless node keeps disable_cgroup (this hybrid host's cgroup v2 has no controllers), so the
/// CRI sends no cgroupsPath: each container gets rlrun-ID.scope, no limits.</summary>
[Collection(SystemdUserCollection.Name)]
public sealed class RootlessSystemdCgroupTests
{
    static SystemdUser M => SystemdUser.Current;

    [RootlessSystemdCriFact]
    public void In_the_user_manager_each_container_of_a_pod_is_a_scope_of_its_own()
    {
        Assert.True(M.SkipReason is null, M.SkipReason);
        using var c = new PrivateContainerd(Host.Binary, "cri-sdcg-", rootless: true, systemdCgroup: true, inUserManager: true);
        Assert.True(c.Error is null, c.Error);
        var k = new Kubelet(c);
        c.Images.PullImage(new PullImageRequest { Image = new ImageSpec { Image = c.PodImage } });

        var pod = k.PodConfig("cri-sdcg");
        string podId = k.RunPod(pod, "rlrun");
        int pausePid = System.Text.Json.Nodes.JsonNode.Parse(c.Runtime.PodSandboxStatus(
            new PodSandboxStatusRequest { PodSandboxId = podId, Verbose = true }).Info["info"])!["pid"]!.GetValue<int>();
        AssertInScope(pausePid, podId);

        string main = k.Create(podId, pod, k.ContainerConfig("main", "/bin/sh", "-c", "echo main-started; exec sleep 600"));
        k.Start(main);
        string log = Path.Join(pod.LogDirectory, "main.log");
        Assert.True(Kubelet.WaitForLog(log, "main-started", TimeSpan.FromSeconds(20)), $"no 'main-started' in {log}\n{c.DaemonLog}");
        string cgroup = AssertInScope(k.Pid(main), main);
        var unit = M.Show($"rlrun-{main}.scope", "ActiveState", "ControlGroup");
        Assert.Equal("active", unit["ActiveState"]);
        Assert.Equal(cgroup, unit["ControlGroup"]);

        k.Stop(main, 2);
        k.Remove(main);
        Assert.True(M.UnitGone($"rlrun-{main}.scope", out var seen), $"rlrun-{main}.scope outlived RemoveContainer: {seen}");
        k.StopPod(podId);
        k.RemovePod(podId);
        Assert.True(M.UnitGone($"rlrun-{podId}.scope", out seen), $"rlrun-{podId}.scope outlived RemovePodSandbox: {seen}");
        Assert.Empty(c.RlrunList(Host.Binary).EnsureSuccess("rlrun list").Stdout.Trim());
    }

    [RootlessSystemdCriFact]
    public void Outside_the_user_manager_the_sandbox_fails_with_rlruns_reason()
    {
        Assert.True(M.SkipReason is null, M.SkipReason);
        using var c = new PrivateContainerd(Host.Binary, "cri-sdcg-out-", rootless: true, systemdCgroup: true);
        Assert.True(c.Error is null, c.Error);
        var k = new Kubelet(c);
        c.Images.PullImage(new PullImageRequest { Image = new ImageSpec { Image = c.PodImage } });

        var e = Assert.Throws<RpcException>(() => k.RunPod(k.PodConfig("cri-sdcg-out"), "rlrun"));
        Assert.Contains("--cgroup-manager systemd: this process", e.Status.Detail);
        Assert.Contains($"is outside the systemd user manager's tree (/user.slice/user-{Host.Uid}.slice/user@{Host.Uid}.service)", e.Status.Detail);
        Assert.Empty(c.RlrunList(Host.Binary).EnsureSuccess("rlrun list").Stdout.Trim());
    }

    /// <summary>The process's cgroup v2 path is rlrun-ID.scope in the test user's manager; returns it.</summary>
    static string AssertInScope(int pid, string id)
    {
        string path = File.ReadLines($"/proc/{pid}/cgroup").First(l => l.StartsWith("0::"))[3..];
        Assert.StartsWith($"/user.slice/user-{Host.Uid}.slice/user@{Host.Uid}.service/", path);
        Assert.EndsWith($"/rlrun-{id}.scope", path);
        return path;
    }
}

/// <summary>Skipped, naming the host fact, where there is no rootless node or no user manager to start.</summary>
public sealed class RootlessSystemdCriFactAttribute : FactAttribute
{
    public RootlessSystemdCriFactAttribute()
    {
        if ((PrivateContainerd.MissingRootless ?? SystemdUser.StaticSkipReason()) is { } why) Skip = why;
    }
}
