using Tmds.Linux;

namespace Rlrun.Runtime.Interop;

/// <summary>Pseudo-terminal calls: the master from /dev/ptmx, its peer by TIOCGPTPEER (no path
/// lookup the container could redirect), window sizes and raw mode.</summary>
public static unsafe class TerminalCalls
{
    public static ulong TIOCSCTTY => (ulong)LibC.TIOCSCTTY;
    public static ulong TIOCGWINSZ => (ulong)LibC.TIOCGWINSZ;
    public static ulong TIOCSWINSZ => (ulong)LibC.TIOCSWINSZ;
    public static ulong TIOCSPTLCK => (ulong)LibC.TIOCSPTLCK;
    public static ulong TIOCGPTPEER => (ulong)LibC.TIOCGPTPEER;
    public static ulong TCGETS => (ulong)LibC.TCGETS;
    public static ulong TCSETS => (ulong)LibC.TCSETS;

    /// <summary>Tmds.LibC's struct winsize, under the names rlrun uses.</summary>
    public struct WinSize { public ushort Rows, Cols, XPixel, YPixel; }

    public static int isatty(int fd) => LibC.isatty(fd);

    static int ioctl(int fd, ulong request, void* arg) => LibC.ioctl(fd, (int)request, arg);

    static int ioctl(int fd, ulong request, int arg) => LibC.ioctl(fd, (int)request, arg);

    /// <summary>Opens a new pty pair on the devpts mounted at ptmxPath; returns (master, peer).</summary>
    public static (int Master, int Peer) OpenPty(string ptmxPath)
    {
        int master = SyscallException.Check(Libc.open(ptmxPath, Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC, 0), "open", ptmxPath);
        int unlock = 0;
        SyscallException.Check(ioctl(master, TIOCSPTLCK, &unlock), "ioctl(TIOCSPTLCK)", ptmxPath);
        int peer = ioctl(master, TIOCGPTPEER, Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC);
        if (peer < 0) { int e = Libc.LastErrno; Libc.close(master); throw new SyscallException("ioctl(TIOCGPTPEER)", e, ptmxPath); }
        return (master, peer);
    }

    public static void SetControlling(int fd) => SyscallException.Check(ioctl(fd, TIOCSCTTY, 0), "ioctl(TIOCSCTTY)");

    public static bool TryGetSize(int fd, out WinSize size)
    {
        winsize ws;
        bool ok = ioctl(fd, TIOCGWINSZ, &ws) == 0;
        size = ok ? new WinSize { Rows = ws.ws_row, Cols = ws.ws_col, XPixel = ws.ws_xpixel, YPixel = ws.ws_ypixel } : default;
        return ok;
    }

    public static void SetSize(int fd, WinSize size)
    {
        var ws = new winsize { ws_row = size.Rows, ws_col = size.Cols, ws_xpixel = size.XPixel, ws_ypixel = size.YPixel };
        ioctl(fd, TIOCSWINSZ, &ws);
    }

    public static bool TryGetAttr(int fd, out termios t)
    {
        termios tt;
        bool ok = ioctl(fd, TCGETS, &tt) == 0;
        t = tt;
        return ok;
    }

    public static void SetAttr(int fd, in termios t)
    {
        fixed (termios* p = &t) ioctl(fd, TCSETS, p);
    }

    /// <summary>cfmakeraw: no echo, no line editing, no signals from keys; bytes pass as they are.</summary>
    public static termios Raw(termios t)
    {
        t.c_iflag &= ~(LibC.IGNBRK | LibC.BRKINT | LibC.PARMRK | LibC.ISTRIP | LibC.INLCR | LibC.IGNCR | LibC.ICRNL | LibC.IXON);
        t.c_oflag &= ~LibC.OPOST;
        t.c_lflag &= ~(LibC.ECHO | LibC.ECHONL | LibC.ICANON | LibC.ISIG | LibC.IEXTEN);
        t.c_cflag &= ~(LibC.CSIZE | LibC.PARENB);
        t.c_cflag |= LibC.CS8;
        t.c_cc[LibC.VMIN] = 1;
        t.c_cc[LibC.VTIME] = 0;
        return t;
    }
}
