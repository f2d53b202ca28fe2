using System.Runtime.InteropServices;

namespace Rlrun.Runtime.Interop;

public static partial class MountCalls
{
    public const ulong MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_SYNCHRONOUS = 16,
        MS_REMOUNT = 32, MS_MANDLOCK = 64, MS_DIRSYNC = 128, MS_NOSYMFOLLOW = 256, MS_NOATIME = 1024,
        MS_NODIRATIME = 2048, MS_BIND = 4096, MS_MOVE = 8192, MS_REC = 16384, MS_SILENT = 32768,
        MS_UNBINDABLE = 1 << 17, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19, MS_SHARED = 1 << 20,
        MS_RELATIME = 1 << 21, MS_STRICTATIME = 1 << 24, MS_LAZYTIME = 1 << 25;

    public const ulong PropagationMask = MS_UNBINDABLE | MS_PRIVATE | MS_SLAVE | MS_SHARED;

    public const int MNT_DETACH = 2;

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mount(string? source, string target, string? fstype, ulong flags, string? data);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int umount2(string target, int flags);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chroot(string path);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chdir(string path);

    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int fchdir(int fd);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long syscall(long number, string newRoot, string putOld, long a3, long a4, long a5);

    public static int pivot_root(string newRoot, string putOld) =>
        (int)syscall(SyscallNumbers.pivot_root, newRoot, putOld, 0, 0, 0);

    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct StatFs
    {
        public long f_type, f_bsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree;
        public fixed int f_fsid[2];
        public long f_namelen, f_frsize, f_flags;
        public fixed long f_spare[4];
    }

    public const long ST_RDONLY = 1, ST_NOSUID = 2, ST_NODEV = 4, ST_NOEXEC = 8, ST_SYNCHRONOUS = 16,
        ST_MANDLOCK = 64, ST_NOATIME = 1024, ST_NODIRATIME = 2048, ST_RELATIME = 4096, ST_NOSYMFOLLOW = 8192;

    public const long PROC_SUPER_MAGIC = 0x9fa0;

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int statfs(string path, out StatFs buf);

    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int fstatfs(int fd, out StatFs buf);
}
