using System.Runtime.InteropServices;
using System.Text;

namespace Rlrun.Runtime.Interop;

/// <summary>uname(2): the running kernel's release ("6.1.0-18-amd64").</summary>
public static unsafe partial class UnameCalls
{
    // struct utsname on Linux: six fields of 65 bytes (sysname, nodename, release, version, machine, domainname).
    const int FieldLength = 65, Fields = 6, ReleaseField = 2;

    /// <summary>Own binding: Tmds.LibC 0.5.0 has no uname (nor struct utsname).</summary>
    [LibraryImport(Libc.Name, SetLastError = true)]
    private static partial int uname(byte* buf);

    /// <summary>The kernel release, or null when uname fails (it does not on Linux).</summary>
    public static string? Release()
    {
        byte* buf = stackalloc byte[FieldLength * Fields];
        if (uname(buf) != 0) return null;
        var field = new ReadOnlySpan<byte>(buf + FieldLength * ReleaseField, FieldLength);
        int end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }
}
