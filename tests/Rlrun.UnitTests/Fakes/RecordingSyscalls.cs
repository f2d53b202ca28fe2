using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Syscalls;

namespace Rlrun.UnitTests.Fakes;

/// <summary>One call made through the seam: its name and arguments, in order.</summary>
public sealed record SysCall(string Name, params object?[] Args)
{
    public override string ToString() => $"{Name}({string.Join(", ", Args.Select(a => a ?? "null"))})";

    public T Arg<T>(int i) => (T)Args[i]!;

    public bool Equals(SysCall? other) => other is not null && Name == other.Name && Args.SequenceEqual(other.Args);

    public override int GetHashCode() => HashCode.Combine(Name, Args.Length);
}

/// <summary>An ISyscalls that records every call and changes nothing; tests say which paths exist,
/// which are directories, the statfs flags of a mount, and which calls fail with which errno.</summary>
public sealed class RecordingSyscalls : ISyscalls
{
    readonly List<(Func<SysCall, bool> Match, int Errno, bool Once)> _failures = [];

    public List<SysCall> Calls { get; } = [];

    /// <summary>Paths OpenInRoot was asked to create as an empty file, as "root|path".</summary>
    public List<string> FileLeaves { get; } = [];

    public HashSet<string> Existing { get; } = [];
    public HashSet<string> Directories { get; } = [];
    public HashSet<string> Symlinks { get; } = [];

    /// <summary>Paths (inside their root) that TryOpenInRoot does not find.</summary>
    public HashSet<string> Missing { get; } = [];

    public Dictionary<string, long> StatFsFlags { get; } = [];
    public int OpenHandles { get; private set; }

    public IEnumerable<SysCall> Named(string name) => Calls.Where(c => c.Name == name);

    public IReadOnlyList<SysCall> Mounts => Named("mount").ToList();

    /// <summary>Makes calls matching the predicate throw SyscallException(name, errno).</summary>
    public RecordingSyscalls Fail(Func<SysCall, bool> match, int errno, bool once = true)
    {
        _failures.Add((match, errno, once));
        return this;
    }

    public RecordingSyscalls FailMount(string? fsType, int errno, bool once = true) =>
        Fail(c => c.Name == "mount" && (string?)c.Args[2] == fsType, errno, once);

    public static string InRoot(string root, string path)
    {
        string joined = root.TrimEnd('/') + "/" + path.TrimStart('/');
        return joined.Length > 1 ? joined.TrimEnd('/') : joined;
    }

    void Record(string name, params object?[] args)
    {
        var call = new SysCall(name, args);
        Calls.Add(call);
        for (int i = 0; i < _failures.Count; i++)
        {
            var f = _failures[i];
            if (!f.Match(call)) continue;
            if (f.Once) _failures.RemoveAt(i);
            throw new SyscallException(name, f.Errno, args.Length > 1 ? args[1]?.ToString() : args.FirstOrDefault()?.ToString());
        }
    }

    public void Mount(string? source, string target, string? fsType, ulong flags, string? data) =>
        Record("mount", source, target, fsType, flags, data);

    public void Umount(string target, int flags) => Record("umount", target, flags);
    public void PivotRoot(string newRoot, string putOld) => Record("pivot_root", newRoot, putOld);
    public void Chroot(string path) => Record("chroot", path);
    public void Chdir(string path) => Record("chdir", path);
    public void Fchdir(int fd) => Record("fchdir", fd);
    public void Sethostname(string name) => Record("sethostname", name);
    public void Setdomainname(string name) => Record("setdomainname", name);

    public IPathHandle OpenInRoot(string root, string path, bool leafIsFile)
    {
        Record("open_in_root", root, path, leafIsFile);
        if (leafIsFile) FileLeaves.Add($"{root}|{path}");
        return new Handle(this, InRoot(root, path));
    }

    public IPathHandle? TryOpenInRoot(string root, string path)
    {
        Record("try_open_in_root", root, path);
        return Missing.Contains(path) ? null : new Handle(this, InRoot(root, path));
    }

    public long MountFlagsOf(string path)
    {
        Record("statfs", path);
        return StatFsFlags.TryGetValue(path, out long flags) ? flags : 0;
    }

    public bool IsDirectory(string path) => Directories.Contains(path);
    public bool Exists(string path) => Existing.Contains(path);
    public bool IsSymlink(string path) => Symlinks.Contains(path);
    public void Symlink(string target, string linkPath) => Record("symlink", target, linkPath);
    public void Mknod(string path, uint mode, ulong dev) => Record("mknod", path, mode, dev);
    public void Chown(string path, uint uid, uint gid) => Record("chown", path, uid, gid);

    sealed class Handle : IPathHandle
    {
        readonly RecordingSyscalls _owner;
        bool _disposed;

        public Handle(RecordingSyscalls owner, string procPath)
        {
            _owner = owner;
            ProcPath = procPath;
            owner.OpenHandles++;
        }

        public string ProcPath { get; }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _owner.OpenHandles--;
        }
    }
}
