using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Rlrun.Runtime.Interop;

/// <summary>mount, umount2, chroot, chdir through Tmds.LibC; pivot_root through its syscall(2);
/// statfs and fstatfs bound here (Tmds.LibC 0.5.0 has statvfs, whose flags miss ST_NOSYMFOLLOW,
/// and no f_type).</summary>
public static unsafe partial class MountCalls
{
    public static ulong MS_RDONLY => LibC.MS_RDONLY;
    public static ulong MS_NOSUID => LibC.MS_NOSUID;
    public static ulong MS_NODEV => LibC.MS_NODEV;
    public static ulong MS_NOEXEC => LibC.MS_NOEXEC;
    public static ulong MS_SYNCHRONOUS => LibC.MS_SYNCHRONOUS;
    public static ulong MS_REMOUNT => LibC.MS_REMOUNT;
    public static ulong MS_MANDLOCK => LibC.MS_MANDLOCK;
    public static ulong MS_DIRSYNC => LibC.MS_DIRSYNC;
    /// <summary>Not in Tmds.LibC 0.5.0 (Linux 5.10).</summary>
    public const ulong MS_NOSYMFOLLOW = 256;
    public static ulong MS_NOATIME => LibC.MS_NOATIME;
    public static ulong MS_NODIRATIME => LibC.MS_NODIRATIME;
    public static ulong MS_BIND => LibC.MS_BIND;
    public static ulong MS_MOVE => LibC.MS_MOVE;
    public static ulong MS_REC => LibC.MS_REC;
    public static ulong MS_SILENT => LibC.MS_SILENT;
    public static ulong MS_UNBINDABLE => LibC.MS_UNBINDABLE;
    public static ulong MS_PRIVATE => LibC.MS_PRIVATE;
    public static ulong MS_SLAVE => LibC.MS_SLAVE;
    public static ulong MS_SHARED => LibC.MS_SHARED;
    public static ulong MS_RELATIME => LibC.MS_RELATIME;
    public static ulong MS_STRICTATIME => LibC.MS_STRICTATIME;
    /// <summary>Not in Tmds.LibC 0.5.0.</summary>
    public const ulong MS_LAZYTIME = 1 << 25;

    public static ulong PropagationMask => MS_UNBINDABLE | MS_PRIVATE | MS_SLAVE | MS_SHARED;

    public static int MNT_DETACH => LibC.MNT_DETACH;

    public static int mount(string? source, string target, string? fstype, ulong flags, string? data)
    {
        fixed (byte* s = Utf8Z.Of(source))
        fixed (byte* t = Utf8Z.Of(target))
        fixed (byte* f = Utf8Z.Of(fstype))
        fixed (byte* d = Utf8Z.Of(data))
            return LibC.mount(s, t, f, (ulong_t)flags, d);
    }

    public static int umount2(string target, int flags)
    {
        fixed (byte* t = Utf8Z.Of(target)) return LibC.umount2(t, flags);
    }

    public static int chroot(string path)
    {
        fixed (byte* p = Utf8Z.Of(path)) return LibC.chroot(p);
    }

    public static int chdir(string path)
    {
        fixed (byte* p = Utf8Z.Of(path)) return LibC.chdir(p);
    }

    public static int fchdir(int fd) => LibC.fchdir(fd);

    /// <summary>glibc has no pivot_root wrapper: through Tmds.LibC's syscall(2).</summary>
    public static int pivot_root(string newRoot, string putOld)
    {
        fixed (byte* n = Utf8Z.Of(newRoot))
        fixed (byte* o = Utf8Z.Of(putOld))
            return (int)Libc.syscall(SyscallNumbers.pivot_root, (long)n, (long)o, 0, 0, 0);
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct StatFs
    {
        public long f_type, f_bsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree;
        public fixed int f_fsid[2];
        public long f_namelen, f_frsize, f_flags;
        public fixed long f_spare[4];
    }

    // statfs f_flags (ST_NOSYMFOLLOW is not in Tmds.LibC 0.5.0).
    public static long ST_RDONLY => LibC.ST_RDONLY;
    public static long ST_NOSUID => LibC.ST_NOSUID;
    public static long ST_NODEV => LibC.ST_NODEV;
    public static long ST_NOEXEC => LibC.ST_NOEXEC;
    public static long ST_SYNCHRONOUS => LibC.ST_SYNCHRONOUS;
    public static long ST_MANDLOCK => LibC.ST_MANDLOCK;
    public static long ST_NOATIME => LibC.ST_NOATIME;
    public static long ST_NODIRATIME => LibC.ST_NODIRATIME;
    public static long ST_RELATIME => LibC.ST_RELATIME;
    public const long ST_NOSYMFOLLOW = 8192;

    /// <summary>linux/magic.h, which Tmds.LibC does not carry.</summary>
    public const long PROC_SUPER_MAGIC = 0x9fa0;

    /// <summary>Own binding: Tmds.LibC 0.5.0 has no statfs.</summary>
    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int statfs(string path, out StatFs buf);

    /// <summary>Own binding: Tmds.LibC 0.5.0 has no fstatfs.</summary>
    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int fstatfs(int fd, out StatFs buf);
}
