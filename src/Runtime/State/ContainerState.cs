namespace Rlrun.Runtime.State;

/// <summary>state.json: the OCI state fields, then what rlrun needs to find the init again.</summary>
public sealed class ContainerState
{
    public string OciVersion { get; set; } = "1.2.0";
    public string Id { get; set; } = "";
    public string Status { get; set; } = "creating";
    public int Pid { get; set; }
    public string Bundle { get; set; } = "";
    public Dictionary<string, string>? Annotations { get; set; }

    public string Rootfs { get; set; } = "";
    public DateTime Created { get; set; }
    public string Owner { get; set; } = "";
    /// <summary>/proc/PID/stat start time of the init, so a reused PID is not taken for it.</summary>
    public ulong InitStartTime { get; set; }
    /// <summary>config.json's poststop hooks: delete runs them even if the bundle has changed since.</summary>
    public List<Spec.SpecHook>? Poststop { get; set; }
    /// <summary>config.json's poststart hooks, so start need not read the bundle again.</summary>
    public List<Spec.SpecHook>? Poststart { get; set; }
    /// <summary>The container's cgroup, when it has one.</summary>
    public Cgroups.ContainerCgroup? Cgroup { get; set; }
    /// <summary>The network rlrun set up (--network, -p): its helper, to stop or find again.</summary>
    public Rlrun.Runtime.Network.NetworkState? Network { get; set; }
}
