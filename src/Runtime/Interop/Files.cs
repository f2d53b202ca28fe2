using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Rlrun.Runtime.Interop;

/// <summary>File calls relative to a directory fd, and openat2 for resolution inside a root
/// (Tmds.LibC, except flock, sendfile and close_range, which it lacks).</summary>
public static unsafe partial class FileCalls
{
    public static int AT_FDCWD => LibC.AT_FDCWD;
    public static int AT_SYMLINK_NOFOLLOW => LibC.AT_SYMLINK_NOFOLLOW;
    public static int AT_EMPTY_PATH => LibC.AT_EMPTY_PATH;
    public static ulong RESOLVE_NO_XDEV => LibC.RESOLVE_NO_XDEV;
    public static ulong RESOLVE_NO_MAGICLINKS => LibC.RESOLVE_NO_MAGICLINKS;
    public static ulong RESOLVE_NO_SYMLINKS => LibC.RESOLVE_NO_SYMLINKS;
    public static ulong RESOLVE_BENEATH => LibC.RESOLVE_BENEATH;
    public static ulong RESOLVE_IN_ROOT => LibC.RESOLVE_IN_ROOT;

    public static int openat2(int dirfd, string path, int flags, ulong resolve, int mode = 0)
    {
        var how = new open_how { flags = (ulong)(uint)flags, mode = (ulong)mode, resolve = resolve };
        fixed (byte* p = Utf8Z.Of(path)) return LibC.openat2(dirfd, p, &how, (size_t)sizeof(open_how));
    }

    public static int openat(int dirfd, string path, int flags, int mode)
    {
        fixed (byte* p = Utf8Z.Of(path)) return LibC.openat(dirfd, p, flags, (ushort)mode);
    }

    public static int mkdirat(int dirfd, string path, int mode)
    {
        fixed (byte* p = Utf8Z.Of(path)) return LibC.mkdirat(dirfd, p, (ushort)mode);
    }

    public static int mknodat(int dirfd, string path, int mode, ulong dev)
    {
        fixed (byte* p = Utf8Z.Of(path)) return LibC.mknodat(dirfd, p, (ushort)mode, dev);
    }

    public static int symlinkat(string target, int dirfd, string linkpath)
    {
        fixed (byte* t = Utf8Z.Of(target))
        fixed (byte* l = Utf8Z.Of(linkpath))
            return LibC.symlinkat(t, dirfd, l);
    }

    public static int fchownat(int dirfd, string path, int uid, int gid, int flags)
    {
        fixed (byte* p = Utf8Z.Of(path)) return LibC.fchownat(dirfd, p, (uint)uid, (uint)gid, flags);
    }

    public static int mkfifo(string path, int mode)
    {
        fixed (byte* p = Utf8Z.Of(path)) return LibC.mkfifo(p, (ushort)mode);
    }

    public static int access(string path, int mode)
    {
        fixed (byte* p = Utf8Z.Of(path)) return LibC.access(p, mode);
    }

    public static int chmod(string path, int mode)
    {
        fixed (byte* p = Utf8Z.Of(path)) return LibC.chmod(p, (ushort)mode);
    }

    public static int X_OK => LibC.X_OK;

    /// <summary>Own binding: Tmds.LibC 0.5.0 has no flock.</summary>
    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int flock(int fd, int op);

    public const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;

    public static int fsync(int fd) => LibC.fsync(fd);

    /// <summary>Own binding: Tmds.LibC 0.5.0 has no sendfile.</summary>
    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial nint sendfile(int outFd, int inFd, nint offset, nint count);

    public static int memfd_create(string name, uint flags)
    {
        fixed (byte* p = Utf8Z.Of(name)) return LibC.memfd_create(p, flags);
    }

    public static uint MFD_CLOEXEC => LibC.MFD_CLOEXEC;
    public static uint MFD_ALLOW_SEALING => LibC.MFD_ALLOW_SEALING;

    public static int umask(int mask) => (ushort)LibC.umask((ushort)mask);

    /// <summary>Not in Tmds.LibC 0.5.0 (nor in Debian 12's glibc headers): close_range through syscall(2).</summary>
    public const uint CLOSE_RANGE_CLOEXEC = 4;

    public static int close_range(uint first, uint last, uint flags) =>
        (int)Libc.syscall(SyscallNumbers.close_range, first, last, flags, 0, 0);

    /// <summary>struct stat as plain integers. The binding is Tmds.LibC's struct stat (whose layout
    /// differs between x86_64 and arm64); this is a copy of the fields rlrun reads.</summary>
    public struct Stat
    {
        public ulong st_dev, st_ino, st_nlink;
        public uint st_mode, st_uid, st_gid;
        public ulong st_rdev;
        public long st_size, st_blksize, st_blocks;
        public long st_atime, st_atime_nsec, st_mtime, st_mtime_nsec, st_ctime, st_ctime_nsec;

        internal static Stat From(in Tmds.Linux.stat s) => new()
        {
            st_dev = s.st_dev, st_ino = s.st_ino, st_nlink = s.st_nlink,
            st_mode = (ushort)s.st_mode, st_uid = s.st_uid, st_gid = s.st_gid, st_rdev = s.st_rdev,
            st_size = s.st_size, st_blksize = s.st_blksize, st_blocks = s.st_blocks,
            st_atime = s.st_atim.tv_sec, st_atime_nsec = s.st_atim.tv_nsec,
            st_mtime = s.st_mtim.tv_sec, st_mtime_nsec = s.st_mtim.tv_nsec,
            st_ctime = s.st_ctim.tv_sec, st_ctime_nsec = s.st_ctim.tv_nsec,
        };
    }

    public static int fstat(int fd, out Stat buf)
    {
        Tmds.Linux.stat s;
        int rc = LibC.fstat(fd, &s);
        buf = rc == 0 ? Stat.From(s) : default;
        return rc;
    }

    public static int stat(string path, out Stat buf)
    {
        Tmds.Linux.stat s;
        int rc;
        fixed (byte* p = Utf8Z.Of(path)) rc = LibC.stat(p, &s);
        buf = rc == 0 ? Stat.From(s) : default;
        return rc;
    }

    public static nint readlinkat(int dirfd, string path, byte* buf, nint size)
    {
        fixed (byte* p = Utf8Z.Of(path)) return (nint)(long)LibC.readlinkat(dirfd, p, buf, (size_t)(ulong)size);
    }

    public static int lstat(string path, out Stat buf)
    {
        Tmds.Linux.stat s;
        int rc;
        fixed (byte* p = Utf8Z.Of(path)) rc = LibC.lstat(p, &s);
        buf = rc == 0 ? Stat.From(s) : default;
        return rc;
    }

    public static uint S_IFMT => (ushort)LibC.S_IFMT;
    public static uint S_IFDIR => (ushort)LibC.S_IFDIR;
    public static uint S_IFCHR => (ushort)LibC.S_IFCHR;
    public static uint S_IFBLK => (ushort)LibC.S_IFBLK;
    public static uint S_IFREG => (ushort)LibC.S_IFREG;
    public static uint S_IFIFO => (ushort)LibC.S_IFIFO;
    public static uint S_IFLNK => (ushort)LibC.S_IFLNK;
    public static uint S_IFSOCK => (ushort)LibC.S_IFSOCK;

    public static ulong Makedev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) |
        ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);

    public static uint Major(ulong dev) => (uint)(((dev >> 32) & 0xfffff000) | ((dev >> 8) & 0xfff));
    public static uint Minor(ulong dev) => (uint)(((dev >> 12) & 0xffffff00) | (dev & 0xff));
}
