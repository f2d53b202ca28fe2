using System.Runtime.InteropServices;
using System.Text;

namespace Rlrun.IntegrationTests.Harness;

/// <summary>lgetxattr(2), to check what unpacking left on a file without a tool (getfattr) installed.</summary>
public static class Xattr
{
    [DllImport("libc", SetLastError = true)]
    static extern nint lgetxattr(string path, string name, byte[] value, nint size);

    /// <summary>The attribute's value as text, or null when the file has none.</summary>
    public static string? Get(string path, string name)
    {
        var buf = new byte[4096];
        nint n = lgetxattr(path, name, buf, buf.Length);
        return n < 0 ? null : Encoding.UTF8.GetString(buf, 0, (int)n);
    }
}
