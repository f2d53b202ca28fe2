using System.Runtime.InteropServices;
using System.Text;
using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Host;

/// <summary>A bounded connect(2) to a unix stream socket: does anyone accept on it?</summary>
public static unsafe partial class UnixSocketCalls
{
    const int SOCK_NONBLOCK = 0x800, EINPROGRESS = 115, SunPathLength = 108;
    const int SOL_SOCKET = 1, SO_ERROR = 4;

    [LibraryImport(Libc.Name, SetLastError = true)]
    private static partial int connect(int fd, byte* addr, uint length);

    [LibraryImport(Libc.Name, SetLastError = true)]
    private static partial int getsockopt(int fd, int level, int name, int* value, uint* length);

    /// <summary>Null when a connection was accepted within the timeout; else why not
    /// ("No such file or directory", "Connection refused", "timed out after 1s").</summary>
    public static string? TryConnect(UnixSocketAddress address, TimeSpan timeout)
    {
        var path = Encoding.UTF8.GetBytes(address.Path);
        int offset = address.Abstract ? 1 : 0;
        if (path.Length + offset >= SunPathLength) return "socket path too long";
        byte* sa = stackalloc byte[2 + SunPathLength];
        new Span<byte>(sa, 2 + SunPathLength).Clear();
        *(ushort*)sa = (ushort)SocketCalls.AF_UNIX;
        path.CopyTo(new Span<byte>(sa + 2 + offset, path.Length));
        // An abstract name is exactly its bytes, after a leading NUL; a path ends at its NUL.
        uint length = (uint)(2 + offset + path.Length + (address.Abstract ? 0 : 1));

        int fd = SocketCalls.socket(SocketCalls.AF_UNIX, SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) return $"socket: {Libc.StrError(Libc.LastErrno)}";
        try
        {
            long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            while (true)
            {
                if (connect(fd, sa, length) == 0) return null;
                int err = Libc.LastErrno;
                if (err == Libc.EINTR) continue;
                if (err == EINPROGRESS) return WaitConnected(fd, deadline, timeout);
                // A full listen backlog: the listener is there but slow; try again until the deadline.
                if (err != Libc.EAGAIN) return Libc.StrError(err);
                if (Environment.TickCount64 >= deadline) return $"timed out after {timeout.TotalSeconds:0.#}s (the listener does not accept)";
                Thread.Sleep(20);
            }
        }
        finally { Libc.close(fd); }
    }

    static string? WaitConnected(int fd, long deadline, TimeSpan timeout)
    {
        var pfd = new Tmds.Linux.pollfd { fd = fd, events = 4 /* POLLOUT */ };
        int left = (int)Math.Max(0, deadline - Environment.TickCount64);
        int n = ProcessCalls.poll(&pfd, 1, left);
        if (n == 0) return $"timed out after {timeout.TotalSeconds:0.#}s";
        if (n < 0) return $"poll: {Libc.StrError(Libc.LastErrno)}";
        int soError = 0;
        uint len = sizeof(int);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len) != 0) return $"getsockopt: {Libc.StrError(Libc.LastErrno)}";
        return soError == 0 ? null : Libc.StrError(soError);
    }
}
