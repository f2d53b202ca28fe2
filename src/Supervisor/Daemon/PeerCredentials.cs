using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Rlrun.Supervisor.Daemon;

/// <summary>SO_PEERCRED: the uid (and pid) of the process at the other end of a unix socket, as the
/// kernel recorded it at connect; the daemon serves only its own uid.</summary>
static partial class PeerCredentials
{
    [StructLayout(LayoutKind.Sequential)]
    struct UCred
    {
        public int Pid;
        public uint Uid, Gid;
    }

    const int SOL_SOCKET = 1, SO_PEERCRED = 17;

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int getsockopt(int fd, int level, int name, void* value, ref uint length);

    public static unsafe (int Pid, uint Uid) Of(Socket socket)
    {
        UCred cred;
        uint length = (uint)sizeof(UCred);
        if (getsockopt((int)socket.Handle, SOL_SOCKET, SO_PEERCRED, &cred, ref length) != 0)
            throw new SocketException(Marshal.GetLastPInvokeError());
        return (cred.Pid, cred.Uid);
    }
}
