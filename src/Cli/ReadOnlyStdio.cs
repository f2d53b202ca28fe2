using Rlrun.Runtime.Interop;

namespace Rlrun.Cli;

/// <summary>containerd's runc shim gives a container without stdio (a pod's sandbox) /dev/null
/// opened read-only as stdin, stdout and stderr of `create`, to be passed on to the container.
/// A write there fails with EBADF, which .NET's Console turns into an unhandled exception (exit
/// 134, and the shim reads no error). runc ignores such writes; so do we: the error still reaches
/// --log, which is where the shim reads it.</summary>
public static class ReadOnlyStdio
{
    public static void Silence()
    {
        if (ReadOnly(1)) Console.SetOut(TextWriter.Null);
        if (ReadOnly(2)) Console.SetError(TextWriter.Null);
    }

    static bool ReadOnly(int fd)
    {
        int flags = Libc.fcntl(fd, Libc.F_GETFL, 0);
        return flags >= 0 && (flags & (Libc.O_WRONLY | Libc.O_RDWR)) == 0;
    }
}
