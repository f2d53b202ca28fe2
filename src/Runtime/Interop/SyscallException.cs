using System.Runtime.InteropServices;

namespace Rlrun.Runtime.Interop;

/// <summary>A failed system call, named with what it acted on: "mount /proc: Operation not permitted".</summary>
public sealed class SyscallException : Exception
{
    public int Errno { get; }
    public string Call { get; }

    /// <param name="why">what the errno means here, when rlrun knows: appended after it</param>
    public SyscallException(string call, int errno, string? subject = null, string? why = null)
        : base(Format(call, errno, subject) + (why is null ? "" : $": {why}"))
    {
        Call = call;
        Errno = errno;
    }

    static string Format(string call, int errno, string? subject) =>
        subject is null ? $"{call}: {Libc.StrError(errno)}" : $"{call} {subject}: {Libc.StrError(errno)}";

    /// <summary>Throws for a -1 return, with the errno the call left.</summary>
    public static int Check(int result, string call, string? subject = null)
    {
        if (result < 0) throw new SyscallException(call, Marshal.GetLastPInvokeError(), subject);
        return result;
    }

    public static long Check(long result, string call, string? subject = null)
    {
        if (result < 0) throw new SyscallException(call, Marshal.GetLastPInvokeError(), subject);
        return result;
    }
}
