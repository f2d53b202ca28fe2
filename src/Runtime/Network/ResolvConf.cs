namespace Rlrun.Runtime.Network;

/// <summary>The container's /etc/resolv.conf: --dns when given; else slirp4netns's DNS forwarder
/// (10.0.2.3); else the host's nameservers, reached through pasta's sockets like any address
/// (loopback ones excepted: 127.0.0.53 on the host is not the container's loopback).</summary>
public static class ResolvConf
{
    public const string SlirpDns = "10.0.2.3";

    public static string Text(NetworkRequest request, IReadOnlyList<string> hostNameservers)
    {
        IEnumerable<string> servers = request.Dns.Count > 0 ? request.Dns
            : request.Mode.Kind == NetworkMode.Slirp4netns ? [SlirpDns]
            : hostNameservers.Where(s => !s.StartsWith("127.") && s != "::1");
        return string.Concat(servers.Select(s => $"nameserver {s}\n"));
    }

    public static IReadOnlyList<string> HostNameservers(string path = "/etc/resolv.conf")
    {
        try
        {
            return File.ReadAllLines(path).Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                .Where(f => f.Length >= 2 && f[0] == "nameserver").Select(f => f[1]).ToList();
        }
        catch (IOException) { return []; }
    }
}
