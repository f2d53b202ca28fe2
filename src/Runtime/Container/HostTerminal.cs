using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Container;

/// <summary>Whether a foreground run or exec with process.terminal has a terminal of the caller's to
/// connect the container's pty to, found as runc finds its host console: stderr, stdout or stdin
/// is a terminal, else the controlling terminal (/dev/tty) opens. runc refuses without one ("open
/// /dev/tty: no such device or address"); rlrun ran the process on a pty nobody read from a
/// keyboard, which hid a config that asked for a terminal in a script, a unit or a pipeline.</summary>
public static class HostTerminal
{
    /// <summary>null when there is one; else why not, in words for the error.</summary>
    public static string? Missing()
    {
        if (TerminalCalls.isatty(2) == 1 || TerminalCalls.isatty(1) == 1 || TerminalCalls.isatty(0) == 1) return null;
        int fd = Libc.open("/dev/tty", Libc.O_RDONLY | Libc.O_NOCTTY | Libc.O_CLOEXEC, 0);
        if (fd >= 0) { Libc.close(fd); return null; }
        return $"stdin, stdout and stderr are not terminals, and open /dev/tty: {Libc.StrError(Libc.LastErrno)}";
    }
}
