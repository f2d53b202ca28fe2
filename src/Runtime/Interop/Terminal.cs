using System.Runtime.InteropServices;

namespace Rlrun.Runtime.Interop;

/// <summary>Pseudo-terminal calls: the master from /dev/ptmx, its peer by TIOCGPTPEER (no path
/// lookup the container could redirect), window sizes and raw mode.</summary>
public static unsafe partial class TerminalCalls
{
    public const ulong TIOCSCTTY = 0x540E, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, TIOCSPTLCK = 0x40045431,
        TIOCGPTPEER = 0x5441, TCGETS = 0x5401, TCSETS = 0x5402;

    [StructLayout(LayoutKind.Sequential)]
    public struct WinSize { public ushort Rows, Cols, XPixel, YPixel; }

    [StructLayout(LayoutKind.Sequential)]
    public struct Termios
    {
        public uint Iflag, Oflag, Cflag, Lflag;
        public byte Line;
        public fixed byte Cc[32];
        public uint Ispeed, Ospeed;
    }

    [LibraryImport(Libc.Name, SetLastError = true)]
    private static partial int ioctl(int fd, ulong request, void* arg);

    [LibraryImport(Libc.Name, SetLastError = true)]
    private static partial int ioctl(int fd, ulong request, nint arg);

    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int isatty(int fd);

    /// <summary>Opens a new pty pair on the devpts mounted at ptmxPath; returns (master, peer).</summary>
    public static (int Master, int Peer) OpenPty(string ptmxPath)
    {
        int master = SyscallException.Check(Libc.open(ptmxPath, Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC, 0), "open", ptmxPath);
        int unlock = 0;
        SyscallException.Check(ioctl(master, TIOCSPTLCK, &unlock), "ioctl(TIOCSPTLCK)", ptmxPath);
        int peer = ioctl(master, TIOCGPTPEER, (nint)(Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC));
        if (peer < 0) { int e = Libc.LastErrno; Libc.close(master); throw new SyscallException("ioctl(TIOCGPTPEER)", e, ptmxPath); }
        return (master, peer);
    }

    public static void SetControlling(int fd) => SyscallException.Check(ioctl(fd, TIOCSCTTY, 0), "ioctl(TIOCSCTTY)");

    public static bool TryGetSize(int fd, out WinSize size)
    {
        WinSize ws;
        bool ok = ioctl(fd, TIOCGWINSZ, &ws) == 0;
        size = ws;
        return ok;
    }

    public static void SetSize(int fd, WinSize size) => ioctl(fd, TIOCSWINSZ, &size);

    public static bool TryGetAttr(int fd, out Termios t)
    {
        Termios tt;
        bool ok = ioctl(fd, TCGETS, &tt) == 0;
        t = tt;
        return ok;
    }

    public static void SetAttr(int fd, in Termios t)
    {
        fixed (Termios* p = &t) ioctl(fd, TCSETS, p);
    }

    /// <summary>cfmakeraw: no echo, no line editing, no signals from keys; bytes pass as they are.</summary>
    public static Termios Raw(Termios t)
    {
        const uint IGNBRK = 1, BRKINT = 2, PARMRK = 8, ISTRIP = 0x20, INLCR = 0x40, IGNCR = 0x80, ICRNL = 0x100, IXON = 0x400;
        const uint OPOST = 1, ECHO = 8, ECHONL = 0x40, ICANON = 2, ISIG = 1, IEXTEN = 0x8000, CSIZE = 0x30, PARENB = 0x100, CS8 = 0x30;
        t.Iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
        t.Oflag &= ~OPOST;
        t.Lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
        t.Cflag &= ~(CSIZE | PARENB);
        t.Cflag |= CS8;
        t.Cc[6] = 1; // VMIN
        t.Cc[5] = 0; // VTIME
        return t;
    }
}
