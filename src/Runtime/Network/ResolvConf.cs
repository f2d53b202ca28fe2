namespace Rlrun.Runtime.Network;

/// <summary>The container's /etc/resolv.conf: --dns when given; else slirp4netns's DNS forwarder
/// (10.0.2.3); else the host's nameservers, reached through pasta's sockets like any address
/// (loopback ones excepted: 127.0.0.53 on the host is not the container's loopback).</summary>
public static class ResolvConf
{
    public const string SlirpDns = "10.0.2.3";

    // Loops, not chained LINQ: in NativeAOT a Select on another operator's result is a generic
    // virtual call, whose first resolution starts the runtime's type loader (~0.5 ms of a create).
    public static string Text(NetworkRequest request, IReadOnlyList<string> hostNameservers)
    {
        var text = new System.Text.StringBuilder();
        if (request.Dns.Count > 0)
            foreach (var s in request.Dns) text.Append("nameserver ").Append(s).Append('\n');
        else if (request.Mode.Kind == NetworkMode.Slirp4netns) text.Append("nameserver ").Append(SlirpDns).Append('\n');
        else
            foreach (var s in hostNameservers)
                if (!s.StartsWith("127.", StringComparison.Ordinal) && s != "::1") text.Append("nameserver ").Append(s).Append('\n');
        return text.ToString();
    }

    public static IReadOnlyList<string> HostNameservers(string path = "/etc/resolv.conf")
    {
        try
        {
            var servers = new List<string>();
            foreach (var line in File.ReadAllLines(path))
                if (line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) is ["nameserver", var server, ..])
                    servers.Add(server);
            return servers;
        }
        catch (IOException) { return []; }
    }
}
