using Tmds.Linux;

namespace Rlrun.Runtime.Interop;

public static unsafe class SocketCalls
{
    public static int AF_UNIX => LibC.AF_UNIX;
    public static int AF_INET => LibC.AF_INET;
    public static int SOCK_STREAM => LibC.SOCK_STREAM;
    public static int SOCK_DGRAM => LibC.SOCK_DGRAM;
    public static int SOCK_CLOEXEC => LibC.SOCK_CLOEXEC;

    public static int socketpair(int domain, int type, int protocol, int* sv) => LibC.socketpair(domain, type, protocol, sv);

    public static int socket(int domain, int type, int protocol) => LibC.socket(domain, type, protocol);

    public static int ioctl(int fd, ulong request, void* arg) => LibC.ioctl(fd, (int)request, arg);

    public static ulong SIOCGIFFLAGS => (ulong)LibC.SIOCGIFFLAGS;
    public static ulong SIOCSIFFLAGS => (ulong)LibC.SIOCSIFFLAGS;
    /// <summary>linux/if.h, which Tmds.LibC does not carry (nor struct ifreq: its flags sit at offset 16).</summary>
    public const short IFF_UP = 1;

    /// <summary>Brings an interface up (the loopback of a new network namespace starts down).</summary>
    public static void SetLinkUp(string name)
    {
        int fd = SyscallException.Check(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket");
        try
        {
            byte* ifr = stackalloc byte[40];
            new Span<byte>(ifr, 40).Clear();
            var bytes = System.Text.Encoding.ASCII.GetBytes(name);
            bytes.AsSpan().CopyTo(new Span<byte>(ifr, 15));
            SyscallException.Check(ioctl(fd, SIOCGIFFLAGS, ifr), "ioctl SIOCGIFFLAGS", name);
            *(short*)(ifr + 16) |= IFF_UP;
            SyscallException.Check(ioctl(fd, SIOCSIFFLAGS, ifr), "ioctl SIOCSIFFLAGS", name);
        }
        finally { Libc.close(fd); }
    }
}
