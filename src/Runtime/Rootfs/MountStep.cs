namespace Rlrun.Runtime.Rootfs;

/// <summary>One mount the init makes inside the rootfs. Destination is relative to the rootfs;
/// Fallback is what to do instead when the kernel refuses this one with EPERM (as it does for
/// sysfs and mqueue in a user namespace that does not own the network or IPC namespace).
/// Note is said with --debug when the step is used.</summary>
public sealed record MountStep(
    string Destination,
    string? Source,
    string? FsType,
    ulong Flags,
    string? Data,
    bool Bind = false,
    bool Recursive = false,
    ulong Propagation = 0,
    bool SourceIsFile = false,
    MountStep? Fallback = null,
    string? Note = null);
