using System.Net;
using System.Net.Sockets;

namespace Rlrun.Runtime.Network;

/// <summary>Refuses, before any helper starts, a host port the caller cannot have: one below
/// net.ipv4.ip_unprivileged_port_start (without CAP_NET_BIND_SERVICE in the host's namespace), or
/// one some other socket holds. The helper's own bind stays the final word (a race is possible);
/// this gives the clear message.</summary>
public static class PortPreflight
{
    public const string SysctlPath = "/proc/sys/net/ipv4/ip_unprivileged_port_start";

    public static int UnprivilegedPortStart()
    {
        try { return int.Parse(File.ReadAllText(SysctlPath).Trim()); }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException) { return 1024; }
    }

    public static void Check(IReadOnlyList<PortMapping> ports, bool hostRoot)
    {
        int start = UnprivilegedPortStart();
        foreach (var p in ports)
            foreach (var (h, _) in p.Pairs())
            {
                if (!hostRoot && h < start)
                    throw new NetworkSetupException($"-p {p}: host port {h} is below net.ipv4.ip_unprivileged_port_start ({start}): a rootless container cannot publish it (pick a port >= {start}, or lower that sysctl)");
                if (Taken(p.BindAddress, h, p.Protocol) is { } why)
                    throw new NetworkSetupException($"-p {p}: host port {p.BindAddress}:{h}/{p.Protocol} is not free: {why}");
            }
    }

    static string? Taken(string address, int port, string protocol)
    {
        bool udp = protocol == "udp";
        using var s = new Socket(AddressFamily.InterNetwork, udp ? SocketType.Dgram : SocketType.Stream, udp ? ProtocolType.Udp : ProtocolType.Tcp);
        try
        {
            s.Bind(new IPEndPoint(IPAddress.Parse(address), port));
            return null;
        }
        catch (SocketException e) { return e.SocketErrorCode == SocketError.AddressAlreadyInUse ? "address already in use" : e.Message; }
    }
}

/// <summary>The container's network could not be set up; the message names the flag and the cause.</summary>
public sealed class NetworkSetupException(string message) : Exception(message);
