using System.Runtime.InteropServices;

namespace Rlrun.Systemd.Interop;

internal static unsafe partial class Libc
{
    public const string Name = "libc";

    [LibraryImport(Name)]
    public static partial uint geteuid();

    /// <summary>statx(2): struct statx is the same on every architecture (256 bytes; stx_mode, a
    /// __u16, at offset 28).</summary>
    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, byte* buf);

    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const uint STATX_TYPE = 0x1;
    private const int S_IFMT = 0xF000;
    private const int S_IFSOCK = 0xC000;

    /// <summary>Whether path (not followed if a symlink) is a socket; null when it does not exist
    /// or cannot be examined.</summary>
    public static bool? IsSocket(string path)
    {
        byte* buf = stackalloc byte[256];
        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE, buf) != 0) return null;
        int mode = *(ushort*)(buf + 28);
        return (mode & S_IFMT) == S_IFSOCK;
    }
}
