using System.Runtime.InteropServices;

namespace Rlrun.Runtime.Interop;

/// <summary>getrandom(2): the kernel's random bytes, as podman's IDs take them (Go's crypto/rand).
/// System.Security.Cryptography's RandomNumberGenerator loads OpenSSL on Linux for them: ~10 ms of
/// CPU in an image run that makes up its container's ID.</summary>
public static partial class RandomCalls
{
    /// <summary>Own binding: Tmds.LibC 0.5.0 has no getrandom.</summary>
    [LibraryImport(Libc.Name, SetLastError = true)]
    private static unsafe partial nint getrandom(byte* buf, nint count, uint flags);

    /// <summary>Fills bytes from the kernel's pool (blocking only before it is first seeded, at boot).</summary>
    public static unsafe void Fill(Span<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            for (int done = 0; done < bytes.Length;)
            {
                nint n = getrandom(p + done, bytes.Length - done, 0);
                if (n < 0 && Libc.LastErrno == Libc.EINTR) continue;
                SyscallException.Check((long)n, "getrandom", $"{bytes.Length} bytes");
                done += (int)n;
            }
        }
    }
}
