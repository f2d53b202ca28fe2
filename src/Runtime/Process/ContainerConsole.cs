using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Spec;
using static Rlrun.Runtime.Interop.MountCalls;

namespace Rlrun.Runtime.Process;

/// <summary>process.terminal in the init: a pty from the container's own devpts, its master sent to
/// stage 0 over the init socket, its peer (from TIOCGPTPEER, not a path) bound on /dev/console and
/// made the controlling terminal and stdio of the process.</summary>
public static class ContainerConsole
{
    public static void SetUp(InitChannel channel, SpecProcess process, bool bindConsole)
    {
        var (master, peer) = TerminalCalls.OpenPty("/dev/ptmx");
        try
        {
            if (process.ConsoleSize is { } size)
                TerminalCalls.SetSize(master, new TerminalCalls.WinSize { Rows = (ushort)size.Height, Cols = (ushort)size.Width });
            if (bindConsole)
            {
                int f = Libc.open("/dev/console", Libc.O_CREAT | Libc.O_WRONLY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0x1b6);
                if (f >= 0) Libc.close(f);
                SyscallException.Check(mount($"/proc/self/fd/{peer}", "/dev/console", null, MS_BIND, null), "mount", "/dev/console");
            }
            channel.SendFd(FrameType.Console, master);
        }
        finally { Libc.close(master); }
        SyscallException.Check(ProcessCalls.setsid(), "setsid");
        TerminalCalls.SetControlling(peer);
        for (int fd = 0; fd <= 2; fd++) SyscallException.Check(Dup.dup2(peer, fd), "dup2", $"pty to fd {fd}");
        Libc.close(peer);
    }
}
