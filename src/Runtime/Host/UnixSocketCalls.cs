using System.Text;
using Rlrun.Runtime.Interop;
using Tmds.Linux;

namespace Rlrun.Runtime.Host;

/// <summary>A bounded connect(2) to a unix stream socket: does anyone accept on it?</summary>
public static unsafe class UnixSocketCalls
{

    /// <summary>Null when a connection was accepted within the timeout; else why not
    /// ("No such file or directory", "Connection refused", "timed out after 1s").</summary>
    public static string? TryConnect(UnixSocketAddress address, TimeSpan timeout)
    {
        var path = Encoding.UTF8.GetBytes(address.Path);
        int offset = address.Abstract ? 1 : 0;
        if (path.Length + offset >= sockaddr_un.sun_path_length) return "socket path too long";
        sockaddr_un sa = default;
        sa.sun_family = LibC.AF_UNIX;
        path.CopyTo(new Span<byte>(sa.sun_path + offset, path.Length));
        // An abstract name is exactly its bytes, after a leading NUL; a path ends at its NUL.
        uint length = (uint)(sockaddr_un.sun_path_offset + offset + path.Length + (address.Abstract ? 0 : 1));

        int fd = SocketCalls.socket(SocketCalls.AF_UNIX, SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC | LibC.SOCK_NONBLOCK, 0);
        if (fd < 0) return $"socket: {Libc.StrError(Libc.LastErrno)}";
        try
        {
            long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            while (true)
            {
                if (LibC.connect(fd, (sockaddr*)&sa, length) == 0) return null;
                int err = Libc.LastErrno;
                if (err == Libc.EINTR) continue;
                if (err == LibC.EINPROGRESS) return WaitConnected(fd, deadline, timeout);
                // A full listen backlog: the listener is there but slow; try again until the deadline.
                if (err != Libc.EAGAIN) return Libc.StrError(err);
                if (Environment.TickCount64 >= deadline) return $"timed out after {timeout.TotalSeconds:0.#}s (the listener does not accept)";
                Thread.Sleep(20);
            }
        }
        finally { Libc.close(fd); }
    }

    /// <summary>Whether connect(2) to the socket file at path is refused at once: a socket left
    /// behind by a listener that is gone (ECONNREFUSED) or no file (ENOENT). Anything else,
    /// including a listener slow to accept, is not a refusal. No exception on any path: a failed
    /// async connect in .NET formats a stack trace (~5 ms of a create in auto mode).</summary>
    public static bool Refused(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path);
        if (bytes.Length >= sockaddr_un.sun_path_length) return false;
        sockaddr_un sa = default;
        sa.sun_family = LibC.AF_UNIX;
        bytes.CopyTo(new Span<byte>(sa.sun_path, bytes.Length));
        uint length = (uint)(sockaddr_un.sun_path_offset + bytes.Length + 1);
        int fd = SocketCalls.socket(SocketCalls.AF_UNIX, SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC | LibC.SOCK_NONBLOCK, 0);
        if (fd < 0) return false;
        try
        {
            int rc;
            do rc = LibC.connect(fd, (sockaddr*)&sa, length); while (rc != 0 && Libc.LastErrno == Libc.EINTR);
            if (rc == 0) return false;
            int err = Libc.LastErrno;
            return err == LibC.ECONNREFUSED || err == LibC.ENOENT;
        }
        finally { Libc.close(fd); }
    }

    static string? WaitConnected(int fd, long deadline, TimeSpan timeout)
    {
        var pfd = new pollfd { fd = fd, events = LibC.POLLOUT };
        int left = (int)Math.Max(0, deadline - Environment.TickCount64);
        int n = ProcessCalls.poll(&pfd, 1, left);
        if (n == 0) return $"timed out after {timeout.TotalSeconds:0.#}s";
        if (n < 0) return $"poll: {Libc.StrError(Libc.LastErrno)}";
        int soError = 0;
        socklen_t len = sizeof(int);
        if (LibC.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_ERROR, &soError, &len) != 0) return $"getsockopt: {Libc.StrError(Libc.LastErrno)}";
        return soError == 0 ? null : Libc.StrError(soError);
    }
}
