using System.Runtime.InteropServices;

namespace Rlrun.Runtime.Interop;

/// <summary>Attributes of a file itself (not a symlink's target), and hard links: what the vfs copy needs.</summary>
public static unsafe partial class LinkCalls
{
    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint lgetxattr(string path, string name, byte* value, nint size);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string oldpath, string newpath);

    /// <summary>The attribute's value, or null when the file has none.</summary>
    public static byte[]? Get(string path, string name)
    {
        var buf = new byte[256];
        fixed (byte* p = buf)
        {
            nint n = lgetxattr(path, name, p, buf.Length);
            return n < 0 ? null : buf[..(int)n];
        }
    }

    public static void Link(string existing, string newPath) =>
        SyscallException.Check(link(existing, newPath), "link", $"{newPath} -> {existing}");
}
