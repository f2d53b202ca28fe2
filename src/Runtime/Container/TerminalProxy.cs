using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Container;

/// <summary>A foreground `run` or `exec` with process.terminal: our tty goes raw, bytes are copied
/// both ways between it and the pty master until the container closes its side, the window size
/// follows ours (SIGWINCH), and the tty's mode is restored at the end.</summary>
public sealed class TerminalProxy : IDisposable
{
    readonly int _master;
    readonly Tmds.Linux.termios _saved;
    readonly bool _restore;

    public TerminalProxy(int master)
    {
        _master = master;
        if (TerminalCalls.isatty(0) == 1 && TerminalCalls.TryGetAttr(0, out _saved))
        {
            TerminalCalls.SetAttr(0, TerminalCalls.Raw(_saved));
            _restore = true;
        }
        ResizeFromOurs();
    }

    public void ResizeFromOurs()
    {
        if (TerminalCalls.TryGetSize(0, out var size) || TerminalCalls.TryGetSize(1, out size)) TerminalCalls.SetSize(_master, size);
    }

    /// <summary>Copies until the master reports EOF/EIO (every holder of the peer closed it).</summary>
    public unsafe void Pump()
    {
        var buf = new byte[16384];
        bool stdinOpen = true;
        var fds = stackalloc Tmds.Linux.pollfd[2];
        while (true)
        {
            fds[0] = new Tmds.Linux.pollfd { fd = _master, events = ProcessCalls.POLLIN };
            fds[1] = new Tmds.Linux.pollfd { fd = stdinOpen ? 0 : -1, events = ProcessCalls.POLLIN };
            int rc = ProcessCalls.poll(fds, 2, -1);
            if (rc < 0) { if (Libc.LastErrno == Libc.EINTR) continue; throw new SyscallException("poll", Libc.LastErrno, "pty"); }
            if ((fds[0].revents & ProcessCalls.PollReadOrClosed) != 0)
            {
                int n = Read(_master, buf);
                if (n <= 0) return; // EIO: the container side is gone
                Write(1, buf.AsSpan(0, n));
            }
            if (stdinOpen && (fds[1].revents & ProcessCalls.PollReadOrClosed) != 0)
            {
                int n = Read(0, buf);
                if (n <= 0) { stdinOpen = false; Write(_master, [4]); } // EOF: send ^D, as a terminal would
                else Write(_master, buf.AsSpan(0, n));
            }
        }
    }

    static unsafe int Read(int fd, byte[] buf)
    {
        while (true)
        {
            nint n;
            fixed (byte* p = buf) n = Libc.read(fd, p, buf.Length);
            if (n < 0 && Libc.LastErrno == Libc.EINTR) continue;
            return (int)n;
        }
    }

    static void Write(int fd, ReadOnlySpan<byte> data)
    {
        try { Libc.WriteAll(fd, data, "terminal"); }
        catch (SyscallException) { } // the other side went away; the exit status says the rest
    }

    public void Dispose()
    {
        if (_restore) TerminalCalls.SetAttr(0, _saved);
        Libc.close(_master);
    }
}
