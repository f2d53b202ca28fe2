using Tmds.Linux;

namespace Rlrun.Runtime.Interop;

/// <summary>Passing an fd over a unix socket (SCM_RIGHTS): the pty master goes from the container
/// init to stage 0, and from there to --console-socket, as conmon expects.</summary>
public static unsafe class FdPassing
{
    // Tmds.LibC 0.5.0's CMSG_LEN(4) is 24 (it adds the padding of CMSG_SPACE); the kernel wants the
    // unpadded length, the header plus one int: computed here.
    static readonly int CmsgSpace = LibC.CMSG_SPACE(sizeof(int));
    static int CmsgLen => sizeof(cmsghdr) + sizeof(int);

    /// <summary>Sends fd with a payload (at least one byte is needed for the ancillary data to travel).</summary>
    public static void Send(int socket, int fd, ReadOnlySpan<byte> payload)
    {
        byte* control = stackalloc byte[CmsgSpace];
        new Span<byte>(control, CmsgSpace).Clear();
        fixed (byte* p = payload)
        {
            var iov = new iovec { iov_base = p, iov_len = payload.Length };
            var msg = new msghdr { msg_iov = &iov, msg_iovlen = 1, msg_control = control, msg_controllen = CmsgSpace };
            cmsghdr* cmsg = LibC.CMSG_FIRSTHDR(&msg);
            cmsg->cmsg_len = CmsgLen;
            cmsg->cmsg_level = LibC.SOL_SOCKET;
            cmsg->cmsg_type = LibC.SCM_RIGHTS;
            *(int*)LibC.CMSG_DATA(cmsg) = fd;
            while (LibC.sendmsg(socket, &msg, 0) < 0)
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
            var iov = new iovec { iov_base = p, iov_len = payload.Length };
            var msg = new msghdr { msg_iov = &iov, msg_iovlen = 1, msg_control = control, msg_controllen = CmsgSpace };
            long n;
            while ((n = LibC.recvmsg(socket, &msg, LibC.MSG_CMSG_CLOEXEC)) < 0)
                if (Libc.LastErrno != Libc.EINTR) throw new SyscallException("recvmsg", Libc.LastErrno, "SCM_RIGHTS");
            length = (int)n;
            cmsghdr* cmsg = LibC.CMSG_FIRSTHDR(&msg);
            if (cmsg != null && cmsg->cmsg_len >= (uint)CmsgLen && cmsg->cmsg_level == LibC.SOL_SOCKET && cmsg->cmsg_type == LibC.SCM_RIGHTS)
                return *(int*)LibC.CMSG_DATA(cmsg);
            return -1;
        }
    }
}
