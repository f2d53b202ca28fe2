using Rlrun.Runtime.Interop;
using static Rlrun.Runtime.Interop.FileCalls;

namespace Rlrun.Runtime.Syscalls;

public sealed class LinuxSyscalls : ISyscalls
{
    public static readonly LinuxSyscalls Instance = new();

    public void Mount(string? source, string target, string? fsType, ulong flags, string? data) =>
        SyscallException.Check(MountCalls.mount(source, target, fsType, flags, data), "mount", target);

    public void Umount(string target, int flags) => SyscallException.Check(MountCalls.umount2(target, flags), "umount", target);
    public void PivotRoot(string newRoot, string putOld) => SyscallException.Check(MountCalls.pivot_root(newRoot, putOld), "pivot_root", newRoot);
    public void Chroot(string path) => SyscallException.Check(MountCalls.chroot(path), "chroot", path);
    public void Chdir(string path) => SyscallException.Check(MountCalls.chdir(path), "chdir", path);
    public void Fchdir(int fd) => SyscallException.Check(MountCalls.fchdir(fd), "fchdir");
    public void Sethostname(string name) => SyscallException.Check(NamespaceCalls.sethostname(name, System.Text.Encoding.UTF8.GetByteCount(name)), "sethostname", name);
    public void Setdomainname(string name) => SyscallException.Check(NamespaceCalls.setdomainname(name, System.Text.Encoding.UTF8.GetByteCount(name)), "setdomainname", name);

    static readonly ulong InRoot = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

    public IPathHandle OpenInRoot(string root, string path, bool leafIsFile)
    {
        int rootFd = SyscallException.Check(Libc.open(root, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0), "open", root);
        try
        {
            // Symlinks are followed here, one component at a time, so that a link to a missing target
            // gets that target made inside the root (as runc does); the kernel's RESOLVE_IN_ROOT
            // still resolves each step, so nothing reached here is outside root.
            var pending = new LinkedList<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
            var resolved = new List<string>();
            int links = 0;
            while (pending.First is { } node)
            {
                string name = node.Value;
                pending.RemoveFirst();
                if (name == ".") continue;
                if (name == "..") { if (resolved.Count > 0) resolved.RemoveAt(resolved.Count - 1); continue; }
                string next = string.Join('/', resolved.Append(name));
                int fd = openat2(rootFd, next, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, InRoot);
                if (fd >= 0)
                {
                    string? target = SymlinkTarget(fd);
                    Libc.close(fd);
                    if (target is null) { resolved.Add(name); continue; }
                    if (++links > 40) throw new SyscallException("open", Libc.ELOOP, Path.Join(root, path));
                    if (target.StartsWith('/')) resolved.Clear();
                    foreach (var part in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse()) pending.AddFirst(part);
                    continue;
                }
                int err = Libc.LastErrno;
                if (err != Libc.ENOENT) throw new SyscallException("openat2", err, Path.Join(root, next));
                Create(rootFd, root, resolved, name, leafIsFile && pending.Count == 0);
                resolved.Add(name);
            }
            string rel = string.Join('/', resolved);
            int leaf = rel.Length == 0 ? Libc.fcntl(rootFd, Libc.F_DUPFD_CLOEXEC, 0)
                : openat2(rootFd, rel, Libc.O_PATH | Libc.O_CLOEXEC, InRoot);
            SyscallException.Check(leaf, "openat2", Path.Join(root, path));
            return new FdPathHandle(leaf);
        }
        finally { Libc.close(rootFd); }
    }

    // Creates a missing component in its resolved parent, never by a path the container controls.
    static void Create(int rootFd, string root, List<string> parentParts, string name, bool asFile)
    {
        string parentRel = string.Join('/', parentParts);
        int parent = parentRel.Length == 0 ? Libc.fcntl(rootFd, Libc.F_DUPFD_CLOEXEC, 0)
            : openat2(rootFd, parentRel, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, InRoot);
        SyscallException.Check(parent, "openat2", Path.Join(root, parentRel));
        try
        {
            int rc = asFile ? openat(parent, name, Libc.O_CREAT | Libc.O_WRONLY | Libc.O_CLOEXEC | Libc.O_NOFOLLOW, 0x1a4)
                            : mkdirat(parent, name, 0x1ed);
            if (rc < 0 && Libc.LastErrno != Libc.EEXIST)
                throw new SyscallException(asFile ? "create" : "mkdir", Libc.LastErrno, Path.Join(root, parentRel, name));
            if (asFile && rc >= 0) Libc.close(rc);
        }
        finally { Libc.close(parent); }
    }

    /// <summary>The target when fd (O_PATH|O_NOFOLLOW) is a symlink, else null.</summary>
    static unsafe string? SymlinkTarget(int fd)
    {
        if (fstat(fd, out var st) < 0 || (st.st_mode & S_IFMT) != S_IFLNK) return null;
        byte* buf = stackalloc byte[4096];
        nint n = readlinkat(fd, "", buf, 4096);
        if (n < 0) throw new SyscallException("readlinkat", Libc.LastErrno);
        return System.Text.Encoding.UTF8.GetString(buf, (int)n);
    }

    public IPathHandle? TryOpenInRoot(string root, string path)
    {
        int rootFd = SyscallException.Check(Libc.open(root, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0), "open", root);
        try
        {
            string rel = path.TrimStart('/');
            int fd = rel.Length == 0 ? Libc.fcntl(rootFd, Libc.F_DUPFD_CLOEXEC, 0)
                : openat2(rootFd, rel, Libc.O_PATH | Libc.O_CLOEXEC, InRoot);
            if (fd >= 0) return new FdPathHandle(fd);
            if (Libc.LastErrno == Libc.ENOENT || Libc.LastErrno == Libc.ENOTDIR) return null;
            throw new SyscallException("openat2", Libc.LastErrno, Path.Join(root, rel));
        }
        finally { Libc.close(rootFd); }
    }

    public long MountFlagsOf(string path)
    {
        SyscallException.Check(MountCalls.statfs(path, out var st), "statfs", path);
        return st.f_flags;
    }

    public bool IsDirectory(string path) => stat(path, out var st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR;
    public bool Exists(string path) => stat(path, out _) == 0;
    public bool IsSymlink(string path) => lstat(path, out var st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK;
    public void Symlink(string target, string linkPath) => SyscallException.Check(symlinkat(target, AT_FDCWD, linkPath), "symlink", linkPath);
    public void Mknod(string path, uint mode, ulong dev) => SyscallException.Check(mknodat(AT_FDCWD, path, (int)mode, dev), "mknod", path);
    public void Chown(string path, uint uid, uint gid) => SyscallException.Check(fchownat(AT_FDCWD, path, (int)uid, (int)gid, AT_SYMLINK_NOFOLLOW), "chown", path);

    public IPathHandle OpenDevNull()
    {
        int fd = SyscallException.Check(Libc.open("/dev/null", Libc.O_PATH | Libc.O_CLOEXEC, 0), "open", "/dev/null");
        if (fstat(fd, out var st) < 0 || (st.st_mode & S_IFMT) != S_IFCHR || Major(st.st_rdev) != 1 || Minor(st.st_rdev) != 3)
        {
            Libc.close(fd);
            throw new IOException("/dev/null is not the 1:3 character device: refusing to mask with it");
        }
        return new FdPathHandle(fd);
    }

    sealed class FdPathHandle(int fd) : IPathHandle
    {
        public string ProcPath { get; } = $"/proc/self/fd/{fd}";
        public void Dispose() => Libc.close(fd);
    }
}
