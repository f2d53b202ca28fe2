namespace Rlrun.Runtime.Network;

/// <summary>What the caller asked of the container's network (flags of `create`/`run`). Null on
/// <see cref="Container.CreateOptions"/>: the bundle's config.json decides, as before.</summary>
public sealed record NetworkRequest(
    NetworkMode Mode,
    IReadOnlyList<PortMapping> Ports,
    IReadOnlyList<string> Dns,
    IReadOnlyList<string> AddHosts)
{
    /// <summary>Checks what only the combination can get wrong.</summary>
    public void Validate()
    {
        if (Ports.Count > 0 && !Mode.UsesHelper)
            throw new ArgumentException($"-p needs --network pasta or slirp4netns (not {Mode.Kind}): nothing else forwards ports from the host");
        foreach (var a in AddHosts)
        {
            int colon = a.IndexOf(':');
            if (colon <= 0 || !IpText.Valid(a[(colon + 1)..]))
                throw new ArgumentException($"--add-host \"{a}\": expected HOST:IP");
        }
        foreach (var d in Dns)
            if (!IpText.Valid(d)) throw new ArgumentException($"--dns \"{d}\": not an IP address");
        var seen = new HashSet<(string, string, int)>();
        foreach (var p in Ports)
            foreach (var (h, _) in p.Pairs())
                if (!seen.Add((p.Protocol, p.BindAddress, h)))
                    throw new ArgumentException($"-p {p}: host port {h}/{p.Protocol} is published twice");
    }
}
