using Rlrun.Runtime.Cgroups;

namespace Rlrun.Runtime.Rootfs;

/// <summary>The facts about the container that change how mounts are made.</summary>
/// <param name="BundlePath">relative bind sources are resolved against it</param>
/// <param name="InUserNamespace">the container's root is not the host's: devices are bound, not made</param>
/// <param name="NewNetworkNamespace">sysfs can be mounted only by the owner of the network namespace</param>
/// <param name="NewIpcNamespace">the IPC namespace is a new one (mqueue is mounted fresh in a joined one too)</param>
/// <param name="NewCgroupNamespace">cgroup2 is mounted fresh only in a cgroup namespace of ours</param>
/// <param name="CgroupV1">the host's cgroup v1 hierarchies (none on a cgroup v2 only host): a "cgroup"
/// mount shows these, as runc's does</param>
public sealed record MountContext(
    string BundlePath,
    bool InUserNamespace,
    bool NewNetworkNamespace,
    bool NewIpcNamespace,
    bool NewCgroupNamespace,
    IReadOnlyList<CgroupV1Hierarchy>? CgroupV1 = null);
