using Rlrun.Runtime.Spec;

namespace Rlrun.Runtime.Process;

/// <summary>Everything stage 2 (the container init) needs, sent by stage 0 over the init socket in
/// the compact form of InitConfigCodec.</summary>
public sealed class InitConfig
{
    public OciSpec Spec { get; set; } = new();
    public string Rootfs { get; set; } = "";
    public string Bundle { get; set; } = "";
    public bool NoPivot { get; set; }
    public int PreserveFds { get; set; }
    /// <summary>fd of the exec fifo (O_PATH) for create; -1 for run, which starts through the socket.</summary>
    public int FifoFd { get; set; } = -1;
    public bool InUserNamespace { get; set; }
    public bool NewNetwork { get; set; }
    public bool NewIpc { get; set; }
    public bool NewCgroup { get; set; }
    public bool NewUts { get; set; }
    public bool Debug { get; set; }
    /// <summary>For the state hooks get: the container's ID and its init's PID as the runtime sees it.</summary>
    public string Id { get; set; } = "";
    public int HostPid { get; set; }
    /// <summary>exec: the namespaces are the running container's; only the process is set up.</summary>
    public bool Exec { get; set; }
    /// <summary>An image container's layers, put at Rootfs first (null: the bundle's rootfs as is).</summary>
    public Overlay.LayeredRoot? Layers { get; set; }
    /// <summary>The sender's <see cref="ThisBuild"/>: the init (rlrun-init, a binary of its own)
    /// refuses a config from another build, whose fields it could misread or miss.</summary>
    public string Build { get; set; } = "";

    public const string ThisBuild = BuildId.Value;
}
