using System.Runtime.InteropServices;
using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Host;

/// <summary>getxattr(2): an extended attribute of a file, following symlinks.</summary>
public static unsafe partial class XattrCalls
{
    const int ENODATA = 61, ERANGE = 34;

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
                if (err == ERANGE) continue; // it grew between the two calls
                return Absent(err) ? null : throw new SyscallException("getxattr", err, $"{path} {name}");
            }
        }
        throw new SyscallException("getxattr", ERANGE, $"{path} {name}");
    }

    const int EOPNOTSUPP = 95;
    static bool Absent(int errno) => errno is ENODATA or EOPNOTSUPP;
}
