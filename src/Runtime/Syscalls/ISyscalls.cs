namespace Rlrun.Runtime.Syscalls;

/// <summary>The seam between the decisions of the container init (which mount, which device, which
/// link) and the kernel: LinuxSyscalls makes the calls; the unit tests use a recording fake.</summary>
public interface ISyscalls
{
    void Mount(string? source, string target, string? fsType, ulong flags, string? data);
    void Umount(string target, int flags);
    void PivotRoot(string newRoot, string putOld);
    void Chroot(string path);
    void Chdir(string path);
    void Fchdir(int fd);
    void Sethostname(string name);
    void Setdomainname(string name);

    /// <summary>Opens path inside root the way openat2(RESOLVE_IN_ROOT) does: a symlink or ".." never
    /// leads out of root. Missing directories are created; a missing leaf is created as a directory or,
    /// with leafIsFile, an empty file. The handle's ProcPath ("/proc/self/fd/N") is what to mount on.</summary>
    IPathHandle OpenInRoot(string root, string path, bool leafIsFile);

    /// <summary>Looks inside root like OpenInRoot, without creating anything; null when missing.</summary>
    IPathHandle? TryOpenInRoot(string root, string path);

    /// <summary>statfs f_flags of a mounted path (ST_RDONLY, ST_NOSUID, ...).</summary>
    long MountFlagsOf(string path);

    bool IsDirectory(string path);
    bool Exists(string path);
    bool IsSymlink(string path);
    void Symlink(string target, string linkPath);
    void Mknod(string path, uint mode, ulong dev);
    void Chown(string path, uint uid, uint gid);

    /// <summary>/dev/null, checked to be the 1:3 character device, as a handle to bind from
    /// (masking with whatever a container put at /dev/null would unmask, not mask).</summary>
    IPathHandle OpenDevNull() => new NamedPath("/dev/null");

    private sealed class NamedPath(string path) : IPathHandle
    {
        public string ProcPath { get; } = path;
        public void Dispose() { }
    }
}

public interface IPathHandle : IDisposable
{
    string ProcPath { get; }
}
