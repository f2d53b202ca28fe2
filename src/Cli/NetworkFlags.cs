using Rlrun.Runtime.Network;

namespace Rlrun.Cli;

/// <summary>`create` and `run`'s networking flags (podman's names). None given: the bundle's
/// config.json decides, exactly as before; any given: rlrun sets up the network.</summary>
public static class NetworkFlags
{
    public static readonly Flag[] All =
    [
        new(["network", "net"], true, "none, host, private, slirp4netns[:OPTS], pasta[:OPTS], container:ID or ns:PATH (private, and the default with -p: pasta, else slirp4netns)"),
        new(["publish", "p"], true, "publish [IP:]HOST:CONTAINER[/tcp|/udp] (ranges A-B), through pasta or slirp4netns", Repeatable: true),
        new(["dns"], true, "a nameserver for the container's /etc/resolv.conf", Repeatable: true),
        new(["add-host"], true, "HOST:IP, added to the container's /etc/hosts", Repeatable: true),
    ];

    public static NetworkRequest? Parse(ParsedArgs args)
    {
        if (!All.Any(f => args.Has(f.Name))) return null;
        try
        {
            var ports = args.Values("publish").Select(PortMapping.Parse).ToList();
            var mode = args.Value("network") is { } m
                // podman's word for the default: a network of the container's own.
                ? (m == "private" ? NetworkDefaults.ForImageContainer() : NetworkMode.Parse(m))
                // -p alone: a helper that can publish it.
                : ports.Count > 0 ? NetworkDefaults.ForImageContainer() : new NetworkMode(NetworkMode.None, [], null);
            var request = new NetworkRequest(mode, ports, args.Values("dns"), args.Values("add-host"));
            request.Validate();
            return request;
        }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }
}
