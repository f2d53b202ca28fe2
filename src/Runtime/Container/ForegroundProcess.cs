using System.Runtime.InteropServices;
using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Container;

/// <summary>A container process that rlrun waits for in the foreground (`run`, `exec`): signals sent
/// to rlrun are forwarded to it, as runc's signal handler does, and with a terminal the pty is
/// proxied and SIGWINCH resizes it. Wait returns the exit code, 128+N for signal N.</summary>
public sealed class ForegroundProcess : IDisposable
{
    /// <summary>HUP INT QUIT USR1 USR2 TERM WINCH. rlrun makes them default before it registers
    /// (InheritedSignals), since .NET installs no handler over an inherited SIG_IGN.</summary>
    public static readonly int[] Forwarded = [1, 2, 3, 10, 12, 15, 28];

    readonly int _pid;
    readonly TerminalProxy? _terminal;
    readonly List<PosixSignalRegistration> _registrations;

    /// <param name="consoleMaster">the pty master, or -1 without a terminal</param>
    public ForegroundProcess(int pid, int consoleMaster)
    {
        _pid = pid;
        _terminal = consoleMaster >= 0 ? new TerminalProxy(consoleMaster) : null;
        _registrations = Forwarded.Select(sig => PosixSignalRegistration.Create((PosixSignal)sig, ctx =>
        {
            ctx.Cancel = true;
            if (sig == Tmds.Linux.LibC.SIGWINCH && _terminal is not null) _terminal.ResizeFromOurs();
            else ProcessCalls.kill(_pid, sig);
        })).ToList();
    }

    public int Wait()
    {
        _terminal?.Pump();
        int status;
        while (ProcessCalls.waitpid(_pid, out status, 0) < 0)
            if (Libc.LastErrno != Libc.EINTR) throw new SyscallException("waitpid", Libc.LastErrno, $"container process {_pid}");
        return ProcessCalls.ExitCodeOf(status);
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _terminal?.Dispose();
    }
}
