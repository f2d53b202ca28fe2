using System.Text;
using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Process;

/// <summary>Writes to /proc only through procfs's own files. The file system type alone is not
/// enough: another procfs file bind-mounted over the one we mean (CVE-2025-52881: a container that
/// gets /proc/sys/kernel/core_pattern mounted over a file the runtime writes) is procfs too. So the
/// walk starts at a checked procfs root (f_type PROC_SUPER_MAGIC, inode 1) and goes through
/// openat2 with RESOLVE_NO_XDEV (no mount crossed, the file's own included), RESOLVE_NO_SYMLINKS
/// and RESOLVE_BENEATH; /proc/self is read as a number first, since it is a symlink.</summary>
public static class ProcFiles
{
    const ulong ProcRootIno = 1;

    public static void Write(string path, string value)
    {
        if (!path.StartsWith("/proc/", StringComparison.Ordinal)) throw new ArgumentException($"{path}: not under /proc");
        int root = Libc.open("/proc", Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC | Libc.O_NOFOLLOW, 0);
        SyscallException.Check(root, "open", "/proc");
        int fd;
        try
        {
            CheckProcRoot(root);
            string rel = path["/proc/".Length..];
            if (rel == "self" || rel.StartsWith("self/", StringComparison.Ordinal)) rel = ReadSelf(root) + rel[4..];
            fd = FileCalls.openat2(root, rel, Libc.O_WRONLY | Libc.O_CLOEXEC | Libc.O_NOCTTY,
                FileCalls.RESOLVE_NO_XDEV | FileCalls.RESOLVE_NO_SYMLINKS | FileCalls.RESOLVE_NO_MAGICLINKS | FileCalls.RESOLVE_BENEATH);
            if (fd < 0 && Libc.LastErrno == Libc.EXDEV)
                throw new IOException($"{path}: a mount covers it (or a directory on its way): refusing to write through it (CVE-2025-52881)");
            SyscallException.Check(fd, "openat2", path);
        }
        finally { Libc.close(root); }
        try
        {
            SyscallException.Check(MountCalls.fstatfs(fd, out var st), "fstatfs", path);
            if (st.f_type != MountCalls.PROC_SUPER_MAGIC)
                throw new IOException($"{path} is not on procfs (f_type 0x{st.f_type:x}): refusing to write");
            Libc.WriteAll(fd, Encoding.UTF8.GetBytes(value), path);
        }
        finally { Libc.close(fd); }
    }

    static void CheckProcRoot(int root)
    {
        SyscallException.Check(MountCalls.fstatfs(root, out var fs), "fstatfs", "/proc");
        SyscallException.Check(FileCalls.fstat(root, out var st), "fstat", "/proc");
        if (fs.f_type != MountCalls.PROC_SUPER_MAGIC || st.st_ino != ProcRootIno)
            throw new IOException($"/proc is not the root of a procfs (f_type 0x{fs.f_type:x}, inode {st.st_ino}): refusing to write to it");
    }

    static unsafe string ReadSelf(int root)
    {
        byte* buf = stackalloc byte[32];
        nint n = FileCalls.readlinkat(root, "self", buf, 32);
        if (n < 0) throw new SyscallException("readlinkat", Libc.LastErrno, "/proc/self");
        string pid = Encoding.ASCII.GetString(buf, (int)n);
        if (pid.Length == 0 || !pid.All(char.IsAsciiDigit)) throw new IOException($"/proc/self reads \"{pid}\", not a process number");
        return pid;
    }

    /// <summary>linux.sysctl: namespaced keys only, written under /proc/sys.</summary>
    public static void WriteSysctl(string key, string value)
    {
        if (key.Contains("..") || key.Contains('/') && key.Contains('.'))
            throw new ArgumentException($"linux.sysctl: invalid key \"{key}\"");
        Write("/proc/sys/" + key.Replace('.', '/'), value);
    }
}
