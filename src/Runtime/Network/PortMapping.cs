namespace Rlrun.Runtime.Network;

/// <summary>`-p [IP:]HOST:CONTAINER[/tcp|/udp]`, with ranges (8000-8009:80-89) of equal length, as
/// podman and docker spell it. HostIp null: every address (0.0.0.0).</summary>
public sealed record PortMapping(string? HostIp, int HostPort, int ContainerPort, int Count, string Protocol)
{
    public IEnumerable<(int Host, int Container)> Pairs() =>
        Enumerable.Range(0, Count).Select(i => (HostPort + i, ContainerPort + i));

    public string BindAddress => HostIp ?? "0.0.0.0";

    public static PortMapping Parse(string value)
    {
        string Bad(string why) => throw new ArgumentException($"-p \"{value}\": {why} (expected [IP:]HOST:CONTAINER[/tcp|/udp], ports or ranges A-B)");
        string spec = value, proto = "tcp";
        int slash = value.LastIndexOf('/');
        if (slash >= 0)
        {
            proto = value[(slash + 1)..];
            spec = value[..slash];
            if (proto is not ("tcp" or "udp")) Bad($"protocol \"{proto}\" is neither tcp nor udp");
        }
        string? ip = null;
        int last = spec.LastIndexOf(':');
        if (last < 0) Bad("no host port (rlrun does not pick one: give HOST:CONTAINER)");
        string container = spec[(last + 1)..], head = spec[..last];
        int prev = head.LastIndexOf(':');
        string host = prev < 0 ? head : head[(prev + 1)..];
        if (prev >= 0)
        {
            ip = head[..prev].Trim('[', ']');
            if (!IpText.TryParse(ip, out var addr)) Bad($"\"{ip}\" is not an IP address");
            if (addr!.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) Bad("only IPv4 host addresses are published");
        }
        if (host.Length == 0) Bad("no host port (rlrun does not pick one: give HOST:CONTAINER)");
        var (hs, hc) = Range(host, Bad);
        var (cs, cc) = Range(container, Bad);
        if (hc != cc) Bad($"the host range has {Ports(hc)}, the container range {Ports(cc)}");
        return new PortMapping(ip, hs, cs, hc, proto);
    }

    static string Ports(int n) => n == 1 ? "1 port" : $"{n} ports";

    static (int Start, int Count) Range(string s, Func<string, string> bad)
    {
        int dash = s.IndexOf('-');
        int a = Port(dash < 0 ? s : s[..dash], bad), b = dash < 0 ? a : Port(s[(dash + 1)..], bad);
        if (b < a) bad($"range {s} ends before it starts");
        return (a, b - a + 1);
    }

    static int Port(string s, Func<string, string> bad)
    {
        if (!int.TryParse(s, System.Globalization.NumberStyles.None, null, out int p) || p is < 1 or > 65535)
            bad($"\"{s}\" is not a port (1-65535)");
        return p;
    }

    public override string ToString()
    {
        string r(int start) => Count == 1 ? $"{start}" : $"{start}-{start + Count - 1}";
        return $"{(HostIp is null ? "" : HostIp + ":")}{r(HostPort)}:{r(ContainerPort)}/{Protocol}";
    }
}
