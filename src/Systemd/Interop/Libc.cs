using Rlrun.Runtime.Interop;
using Tmds.Linux;

namespace Rlrun.Systemd.Interop;

/// <summary>The two libc calls the systemd integration makes, through Tmds.LibC.</summary>
internal static unsafe class Libc
{
    public static uint geteuid() => LibC.geteuid();

    /// <summary>Whether path (not followed if a symlink) is a socket; null when it does not exist
    /// or cannot be examined.</summary>
    public static bool? IsSocket(string path)
    {
        statx buf;
        int rc;
        fixed (byte* p = Utf8Z.Of(path)) rc = LibC.statx(LibC.AT_FDCWD, p, LibC.AT_SYMLINK_NOFOLLOW, LibC.STATX_TYPE, &buf);
        if (rc != 0) return null;
        return (buf.stx_mode & (ushort)LibC.S_IFMT) == (ushort)LibC.S_IFSOCK;
    }
}
