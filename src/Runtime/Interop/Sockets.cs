using System.Runtime.InteropServices;

namespace Rlrun.Runtime.Interop;

public static unsafe partial class SocketCalls
{
    public const int AF_UNIX = 1, AF_INET = 2, SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000;

    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int socketpair(int domain, int type, int protocol, int* sv);

    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int ioctl(int fd, ulong request, void* arg);

    public const ulong SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914;
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
