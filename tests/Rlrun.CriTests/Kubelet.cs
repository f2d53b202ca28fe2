using Rlrun.CriTests.Cri;
using Rlrun.IntegrationTests.Harness;

namespace Rlrun.CriTests;

/// <summary>The CRI calls kubelet makes for a pod, in kubelet's shapes: a sandbox config with
/// metadata, log directory and namespace options; containers with a log path relative to it.
/// Shared by the lane's tests and the bench driver (bench/cri).</summary>
public sealed class Kubelet(PrivateContainerd containerd)
{
    static DateTime In(double seconds) => DateTime.UtcNow.AddSeconds(seconds);

    public RuntimeService.RuntimeServiceClient Runtime => containerd.Runtime;

    /// <summary>A pod on the host's network (so CNI configures nothing), its own IPC namespace
    /// shared by its containers, each container in its own PID namespace (kubelet's default).</summary>
    public PodSandboxConfig PodConfig(string name) => new()
    {
        Metadata = new PodSandboxMetadata { Name = name, Uid = Guid.NewGuid().ToString(), Namespace = "cri-tests", Attempt = 0 },
        // Empty, as kubelet sends it for a host-network pod: the host's UTS namespace is not the pod's to name.
        Hostname = "",
        LogDirectory = Path.Join(containerd.LogDir, name),
        Linux = new LinuxPodSandboxConfig
        {
            SecurityContext = new LinuxSandboxSecurityContext
            {
                NamespaceOptions = new NamespaceOption { Network = NamespaceMode.Node, Pid = NamespaceMode.Container, Ipc = NamespaceMode.Pod },
            },
        },
    };

    public string RunPod(PodSandboxConfig config, string handler)
    {
        Directory.CreateDirectory(config.LogDirectory);
        if (containerd.Rootless) Host.ChownToUser(config.LogDirectory); // containerd writes the logs as the user
        return Runtime.RunPodSandbox(new RunPodSandboxRequest { Config = config, RuntimeHandler = handler }, deadline: In(60)).PodSandboxId;
    }

    public ContainerConfig ContainerConfig(string name, params string[] command)
    {
        var c = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = name, Attempt = 0 },
            Image = new ImageSpec { Image = containerd.PodImage },
            LogPath = $"{name}.log",
            Linux = new LinuxContainerConfig { SecurityContext = new LinuxContainerSecurityContext() },
        };
        c.Command.AddRange(command);
        return c;
    }

    public string Create(string podId, PodSandboxConfig pod, ContainerConfig config) =>
        Runtime.CreateContainer(new CreateContainerRequest { PodSandboxId = podId, Config = config, SandboxConfig = pod }, deadline: In(60)).ContainerId;

    public void Start(string id) => Runtime.StartContainer(new StartContainerRequest { ContainerId = id }, deadline: In(60));

    public ContainerStatus Status(string id, bool verbose = false) =>
        Runtime.ContainerStatus(new ContainerStatusRequest { ContainerId = id, Verbose = verbose }, deadline: In(20)).Status;

    /// <summary>The container's process id, from the verbose status' info (as crictl inspect shows it).</summary>
    public int Pid(string id)
    {
        var r = Runtime.ContainerStatus(new ContainerStatusRequest { ContainerId = id, Verbose = true }, deadline: In(20));
        var info = System.Text.Json.Nodes.JsonNode.Parse(r.Info["info"])!;
        return info["pid"]!.GetValue<int>();
    }

    public ExecSyncResponse Exec(string id, long timeoutSeconds, params string[] cmd)
    {
        var req = new ExecSyncRequest { ContainerId = id, Timeout = timeoutSeconds };
        req.Cmd.AddRange(cmd);
        return Runtime.ExecSync(req, deadline: In(timeoutSeconds + 30));
    }

    public void Stop(string id, long timeoutSeconds) =>
        Runtime.StopContainer(new StopContainerRequest { ContainerId = id, Timeout = timeoutSeconds }, deadline: In(timeoutSeconds + 30));

    public void Remove(string id) => Runtime.RemoveContainer(new RemoveContainerRequest { ContainerId = id }, deadline: In(30));

    public void StopPod(string id) => Runtime.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = id }, deadline: In(60));

    public void RemovePod(string id) => Runtime.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = id }, deadline: In(60));

    /// <summary>The container's output as kubelet reads it: the CRI log file's lines
    /// ("TIME STREAM TAG MESSAGE", TAG F for a full line), as (stream, message) pairs.</summary>
    public static List<(string Stream, string Message)> ReadLog(string path)
    {
        var lines = new List<(string, string)>();
        if (!File.Exists(path)) return lines;
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var r = new StreamReader(f);
        string? partial = null;
        for (string? l; (l = r.ReadLine()) is not null;)
        {
            var parts = l.Split(' ', 4);
            if (parts.Length < 4) continue;
            partial += parts[3];
            if (parts[2] == "F") { lines.Add((parts[1], partial)); partial = null; }
        }
        return lines;
    }

    /// <summary>Waits until the log holds a line; false after the timeout.</summary>
    public static bool WaitForLog(string path, string message, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        do
        {
            if (ReadLog(path).Any(l => l.Message == message)) return true;
            Thread.Sleep(20);
        } while (DateTime.UtcNow < until);
        return false;
    }
}
