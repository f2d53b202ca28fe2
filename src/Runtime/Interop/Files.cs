using System.Runtime.InteropServices;

namespace Rlrun.Runtime.Interop;

/// <summary>File calls relative to a directory fd, and openat2 for resolution inside a root.</summary>
public static partial class FileCalls
{
    public const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_EMPTY_PATH = 0x1000;
    public const ulong RESOLVE_NO_XDEV = 1, RESOLVE_NO_MAGICLINKS = 2, RESOLVE_NO_SYMLINKS = 4,
        RESOLVE_BENEATH = 8, RESOLVE_IN_ROOT = 16;

    [StructLayout(LayoutKind.Sequential)]
    struct OpenHow
    {
        public ulong flags, mode, resolve;
    }

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial long syscall(long number, int dirfd, string path, OpenHow* how, nint size, long a5);

    public static unsafe int openat2(int dirfd, string path, int flags, ulong resolve, int mode = 0)
    {
        var how = new OpenHow { flags = (ulong)(uint)flags, mode = (ulong)mode, resolve = resolve };
        return (int)syscall(SyscallNumbers.openat2, dirfd, path, &how, sizeof(OpenHow), 0);
    }

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int openat(int dirfd, string path, int flags, int mode);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mkdirat(int dirfd, string path, int mode);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mknodat(int dirfd, string path, int mode, ulong dev);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int symlinkat(string target, int dirfd, string linkpath);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int fchownat(int dirfd, string path, int uid, int gid, int flags);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mkfifo(string path, int mode);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int access(string path, int mode);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chmod(string path, int mode);

    public const int X_OK = 1;

    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int flock(int fd, int op);

    public const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;

    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int fsync(int fd);

    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial nint sendfile(int outFd, int inFd, nint offset, nint count);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long syscall(long number, string name, long flags, long a3, long a4, long a5);

    public static int memfd_create(string name, uint flags) =>
        (int)syscall(SyscallNumbers.memfd_create, name, flags, 0, 0, 0);

    public const uint MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2;

    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int umask(int mask);

    public const uint CLOSE_RANGE_CLOEXEC = 4;

    public static int close_range(uint first, uint last, uint flags) =>
        (int)Libc.syscall(SyscallNumbers.close_range, first, last, flags, 0, 0);

    [StructLayout(LayoutKind.Sequential)]
    public struct Stat
    {
        public ulong st_dev, st_ino, st_nlink;
        public uint st_mode, st_uid, st_gid;
        int pad0;
        public ulong st_rdev;
        public long st_size, st_blksize, st_blocks;
        public long st_atime, st_atime_nsec, st_mtime, st_mtime_nsec, st_ctime, st_ctime_nsec;
        long r0, r1, r2;
    }

    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int fstat(int fd, out Stat buf);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int stat(string path, out Stat buf);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial nint readlinkat(int dirfd, string path, byte* buf, nint size);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int lstat(string path, out Stat buf);

    public const uint S_IFMT = 0xF000, S_IFDIR = 0x4000, S_IFCHR = 0x2000, S_IFBLK = 0x6000,
        S_IFREG = 0x8000, S_IFIFO = 0x1000, S_IFLNK = 0xA000, S_IFSOCK = 0xC000;

    public static ulong Makedev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) |
        ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);

    public static uint Major(ulong dev) => (uint)(((dev >> 32) & 0xfffff000) | ((dev >> 8) & 0xfff));
    public static uint Minor(ulong dev) => (uint)(((dev >> 12) & 0xffffff00) | (dev & 0xff));
}
