using System.Net;

namespace Rlrun.Runtime.Network;

/// <summary>An IP address as podman (Go's net.ParseIP) reads one: IPv4 as four dotted decimal
/// numbers, IPv6 with colons. IPAddress.TryParse alone also takes "1.2.3" (1.2.0.3) or "5"
/// (0.0.0.5), which would reach a bind or a resolv.conf as some other address than meant.</summary>
public static class IpText
{
    public static bool TryParse(string s, out IPAddress address)
    {
        address = IPAddress.None;
        if (s.Contains(':'))
            return IPAddress.TryParse(s, out address!) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        var parts = s.Split('.');
        if (parts.Length != 4 || parts.Any(p => p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit) || int.Parse(p) > 255)) return false;
        return IPAddress.TryParse(s, out address!);
    }

    public static bool Valid(string s) => TryParse(s, out _);
}
