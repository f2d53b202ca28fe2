using System.Net.Sockets;
using System.Text;

namespace Rlrun.Systemd;

/// <summary>
/// sd_notify without libsystemd: one datagram to $NOTIFY_SOCKET, an absolute path or an
/// abstract name written "@name". The manager learns the sender's PID from the socket
/// (SO_PASSCRED); MAINPID= tells it another one.
/// </summary>
public static class SdNotify
{
    public const string EnvVar = "NOTIFY_SOCKET";

    /// <summary>Sends state (e.g. "READY=1\nSTATUS=up\n") to socket, or to $NOTIFY_SOCKET when
    /// socket is null. Answers false when there is no socket to send to; throws SocketException
    /// when sending fails, ArgumentException for a socket address that is neither "/..." nor "@...".</summary>
    public static bool Notify(string state, string? socket = null)
    {
        socket ??= Environment.GetEnvironmentVariable(EnvVar);
        if (string.IsNullOrEmpty(socket)) return false;
        var endPoint = EndPointOf(socket);
        using var s = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        s.SendTo(Encoding.UTF8.GetBytes(state), SocketFlags.None, endPoint);
        return true;
    }

    /// <summary>READY=1, with STATUS= when status is given.</summary>
    public static bool Ready(string? status = null, string? socket = null) =>
        Notify(status is null ? NotifyMessage.Format(("READY", "1")) : NotifyMessage.Format(("READY", "1"), ("STATUS", status)), socket);

    public static bool Status(string status, string? socket = null) => Notify(NotifyMessage.Format(("STATUS", status)), socket);

    public static bool Stopping(string? socket = null) => Notify(NotifyMessage.Format(("STOPPING", "1")), socket);

    public static bool MainPid(int pid, string? socket = null) => Notify(NotifyMessage.Format(("MAINPID", pid.ToString(System.Globalization.CultureInfo.InvariantCulture))), socket);

    /// <summary>"/path" as is; "@name" as the abstract name "\0name" (systemd's convention).</summary>
    public static UnixDomainSocketEndPoint EndPointOf(string socket)
    {
        if (socket.Length > 1 && socket[0] == '@') return new UnixDomainSocketEndPoint("\0" + socket[1..]);
        if (socket.Length > 0 && socket[0] == '/') return new UnixDomainSocketEndPoint(socket);
        throw new ArgumentException($"{EnvVar} '{socket}' is neither an absolute path nor an abstract name (@name)");
    }
}
