using System.Runtime.InteropServices;
using Rlrun.Runtime.Interop;

namespace Rlrun.Images.Interop;

/// <summary>The calls unpacking needs that Runtime's interop lacks: xattrs on the link itself,
/// hard links, timestamps without following symlinks.</summary>
public static unsafe partial class LayerFileCalls
{
    public const int ENOTSUP = 95, ENODATA = 61;

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lsetxattr(string path, string name, byte* value, nint size, int flags);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint lgetxattr(string path, string name, byte* value, nint size);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int linkat(int olddirfd, string oldpath, int newdirfd, string newpath, int flags);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int utimensat(int dirfd, string path, Timespec* times, int flags);

    [StructLayout(LayoutKind.Sequential)]
    struct Timespec { public long Sec, Nsec; }

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

    public static void Link(string existing, string newPath) =>
        SyscallException.Check(linkat(FileCalls.AT_FDCWD, existing, FileCalls.AT_FDCWD, newPath, 0), "link", $"{newPath} -> {existing}");

    public static void SetMtime(string path, DateTimeOffset mtime)
    {
        var t = stackalloc Timespec[2];
        long ticks = mtime.ToUnixTimeMilliseconds();
        t[0] = t[1] = new Timespec { Sec = Math.DivRem(ticks, 1000, out long ms), Nsec = ms * 1_000_000 };
        if (t[0].Nsec < 0) { t[0].Sec--; t[0].Nsec += 1_000_000_000; t[1] = t[0]; }
        // Some file systems refuse times on some file types: a timestamp is not worth failing an import.
        utimensat(FileCalls.AT_FDCWD, path, t, FileCalls.AT_SYMLINK_NOFOLLOW);
    }
}
