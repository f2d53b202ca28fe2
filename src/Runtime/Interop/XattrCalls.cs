using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Rlrun.Runtime.Interop;

/// <summary>getxattr(2): an extended attribute of a file, following symlinks.</summary>
public static unsafe partial class XattrCalls
{
    /// <summary>Own binding: Tmds.LibC 0.5.0 has none of the xattr calls.</summary>
    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getxattr(string path, string name, byte* value, nint size);

    /// <summary>The attribute's value; null when the file has no such attribute (ENODATA, or a
    /// file system without xattrs). Throws SyscallException for other errors (e.g. EACCES).</summary>
    public static byte[]? Get(string path, string name)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            nint size = getxattr(path, name, null, 0);
            if (size < 0) return Absent(Libc.LastErrno) ? null : throw new SyscallException("getxattr", Libc.LastErrno, $"{path} {name}");
            var value = new byte[size];
            fixed (byte* p = value)
            {
                nint n = getxattr(path, name, p, size);
                if (n >= 0) return value[..(int)n];
                int err = Libc.LastErrno;
                if (err == LibC.ERANGE) continue; // it grew between the two calls
                return Absent(err) ? null : throw new SyscallException("getxattr", err, $"{path} {name}");
            }
        }
        throw new SyscallException("getxattr", LibC.ERANGE, $"{path} {name}");
    }

    static bool Absent(int errno) => errno == LibC.ENODATA || errno == LibC.EOPNOTSUPP;
}
