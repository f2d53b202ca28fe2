using System.Text;

namespace Rlrun.Runtime.Interop;

/// <summary>NUL-terminated UTF-8 for Tmds.LibC's byte* path and name parameters (what LibraryImport's
/// StringMarshalling.Utf8 did); null stays null, so `fixed` gives a NULL pointer.</summary>
public static class Utf8Z
{
    public static byte[]? Of(string? s)
    {
        if (s is null) return null;
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
