using System.Runtime.InteropServices;

namespace Rlrun.Runtime.Interop;

/// <summary>Passing an fd over a unix socket (SCM_RIGHTS): the pty master goes from the container
/// init to stage 0, and from there to --console-socket, as conmon expects.</summary>
public static unsafe partial class FdPassing
{
    [StructLayout(LayoutKind.Sequential)]
    struct IoVec { public void* Base; public nuint Len; }

    [StructLayout(LayoutKind.Sequential)]
    struct MsgHdr
    {
        public void* Name; public uint NameLen; public IoVec* Iov; public nuint IovLen;
        public void* Control; public nuint ControlLen; public int Flags;
    }

    const int SOL_SOCKET = 1, SCM_RIGHTS = 1, MSG_CMSG_CLOEXEC = 0x40000000;
    // struct cmsghdr { size_t len; int level; int type; } + one int, aligned to 8.
    const int CmsgSpace = 24, CmsgLen = 20;

    [LibraryImport(Libc.Name, SetLastError = true)]
    private static partial nint sendmsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport(Libc.Name, SetLastError = true)]
    private static partial nint recvmsg(int fd, MsgHdr* msg, int flags);

    /// <summary>Sends fd with a payload (at least one byte is needed for the ancillary data to travel).</summary>
    public static void Send(int socket, int fd, ReadOnlySpan<byte> payload)
    {
        byte* control = stackalloc byte[CmsgSpace];
        new Span<byte>(control, CmsgSpace).Clear();
        *(nuint*)control = CmsgLen;
        *(int*)(control + 8) = SOL_SOCKET;
        *(int*)(control + 12) = SCM_RIGHTS;
        *(int*)(control + 16) = fd;
        fixed (byte* p = payload)
        {
            var iov = new IoVec { Base = p, Len = (nuint)payload.Length };
            var msg = new MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = CmsgSpace };
            while (sendmsg(socket, &msg, 0) < 0)
                if (Libc.LastErrno != Libc.EINTR) throw new SyscallException("sendmsg", Libc.LastErrno, "SCM_RIGHTS");
        }
    }

    /// <summary>Receives one fd and the payload that came with it; -1 when none came.</summary>
    public static int Receive(int socket, Span<byte> payload, out int length)
    {
        byte* control = stackalloc byte[CmsgSpace];
        new Span<byte>(control, CmsgSpace).Clear();
        fixed (byte* p = payload)
        {
            var iov = new IoVec { Base = p, Len = (nuint)payload.Length };
            var msg = new MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = CmsgSpace };
            nint n;
            while ((n = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC)) < 0)
                if (Libc.LastErrno != Libc.EINTR) throw new SyscallException("recvmsg", Libc.LastErrno, "SCM_RIGHTS");
            length = (int)n;
            if (msg.ControlLen >= CmsgLen && *(int*)(control + 8) == SOL_SOCKET && *(int*)(control + 12) == SCM_RIGHTS)
                return *(int*)(control + 16);
            return -1;
        }
    }
}
