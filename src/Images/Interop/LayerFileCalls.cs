using System.Runtime.InteropServices;
using Rlrun.Runtime.Interop;
using Tmds.Linux;

namespace Rlrun.Images.Interop;

/// <summary>The calls unpacking needs that Runtime's interop lacks: xattrs on the link itself,
/// hard links, timestamps without following symlinks, and the fd forms a written file's attributes
/// are set through (one path lookup per file instead of one per attribute).</summary>
public static unsafe partial class LayerFileCalls
{
    public static int ENOTSUP => LibC.ENOTSUP;
    public static int ENODATA => LibC.ENODATA;

    /// <summary>Own binding: Tmds.LibC 0.5.0 has none of the xattr calls.</summary>
    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lsetxattr(string path, string name, byte* value, nint size, int flags);

    /// <summary>Own binding: Tmds.LibC 0.5.0 has none of the xattr calls.</summary>
    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint lgetxattr(string path, string name, byte* value, nint size);

    /// <returns>0, or the errno</returns>
    public static int SetXattr(string path, string name, ReadOnlySpan<byte> value)
    {
        fixed (byte* p = value)
            return lsetxattr(path, name, p, value.Length, 0) < 0 ? Libc.LastErrno : 0;
    }

    /// <summary>The attribute's value on the file itself (not a symlink's target), or null.</summary>
    public static byte[]? GetXattr(string path, string name)
    {
        var buf = new byte[4096];
        fixed (byte* p = buf)
        {
            nint n = lgetxattr(path, name, p, buf.Length);
            if (n < 0) return null;
            return buf[..(int)n];
        }
    }

    public static void Link(string existing, string newPath)
    {
        int rc;
        fixed (byte* o = Utf8Z.Of(existing))
        fixed (byte* n = Utf8Z.Of(newPath))
            rc = LibC.linkat(LibC.AT_FDCWD, o, LibC.AT_FDCWD, n, 0);
        SyscallException.Check(rc, "link", $"{newPath} -> {existing}");
    }

    public static void SetMtime(string path, DateTimeOffset mtime)
    {
        var t = stackalloc timespec[2];
        Times(mtime, t);
        // Some file systems refuse times on some file types: a timestamp is not worth failing an import.
        fixed (byte* p = Utf8Z.Of(path)) LibC.utimensat(LibC.AT_FDCWD, p, t, LibC.AT_SYMLINK_NOFOLLOW);
    }

    public static void SetMtime(int fd, DateTimeOffset mtime)
    {
        var t = stackalloc timespec[2];
        Times(mtime, t);
        LibC.futimens(fd, t);
    }

    static void Times(DateTimeOffset mtime, timespec* t)
    {
        long ms = mtime.ToUnixTimeMilliseconds();
        long sec = Math.DivRem(ms, 1000, out long rem);
        if (rem < 0) { sec--; rem += 1000; }
        t[0].tv_sec = sec;
        t[0].tv_nsec = (long_t)(rem * 1_000_000);
        t[1] = t[0];
    }

    /// <returns>0, or the errno</returns>
    public static int Fchown(int fd, int uid, int gid) => LibC.fchown(fd, (uint)uid, (uint)gid) < 0 ? Libc.LastErrno : 0;

    /// <returns>0, or the errno</returns>
    public static int Fchmod(int fd, int mode) => LibC.fchmod(fd, (ushort)mode) < 0 ? Libc.LastErrno : 0;

    /// <returns>0, or the errno</returns>
    public static int Ftruncate(int fd, long length) => LibC.ftruncate(fd, length) < 0 ? Libc.LastErrno : 0;

    /// <returns>0, or the errno</returns>
    public static int Pwrite(int fd, ReadOnlySpan<byte> data, long offset)
    {
        fixed (byte* p = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint n = (nint)LibC.pwrite(fd, p + done, data.Length - done, offset + done);
                if (n < 0)
                {
                    int err = Libc.LastErrno;
                    if (err == Libc.EINTR) continue;
                    return err;
                }
                if (n == 0) return Libc.ENOSPC;
                done += (int)n;
            }
        }
        return 0;
    }

    /// <summary>Flushes the whole file system the fd is on (one call instead of an fsync per file).</summary>
    public static int Syncfs(int fd) => LibC.syncfs(fd) < 0 ? Libc.LastErrno : 0;
}
