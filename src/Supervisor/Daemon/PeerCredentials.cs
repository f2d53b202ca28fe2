using System.Net.Sockets;
using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Rlrun.Supervisor.Daemon;

/// <summary>SO_PEERCRED: the uid (and pid) of the process at the other end of a unix socket, as the
/// kernel recorded it at connect; the daemon serves only its own uid.</summary>
static unsafe class PeerCredentials
{
    public static (int Pid, uint Uid) Of(Socket socket)
    {
        ucred cred;
        socklen_t length = sizeof(ucred);
        if (LibC.getsockopt((int)socket.Handle, LibC.SOL_SOCKET, LibC.SO_PEERCRED, &cred, &length) != 0)
            throw new SocketException(Marshal.GetLastPInvokeError());
        return (cred.pid, cred.uid);
    }
}
