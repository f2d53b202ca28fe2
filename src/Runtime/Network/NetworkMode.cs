namespace Rlrun.Runtime.Network;

/// <summary>`--network`: none, host, slirp4netns[:opts], pasta[:opts], container:ID, ns:PATH, as
/// podman spells them. Options are the helper's own (slirp4netns's allow_host_loopback=true,
/// mtu=N; pasta's command-line options, comma-separated). podman's "private" (the default) is the
/// command line's to resolve (NetworkFlags): a record always names the helper it got.</summary>
public sealed record NetworkMode(string Kind, IReadOnlyList<string> Options, string? Target)
{
    public const string None = "none", Host = "host", Slirp4netns = "slirp4netns", Pasta = "pasta",
        Container = "container", Namespace = "ns";

    public bool UsesHelper => Kind is Slirp4netns or Pasta;

    public static NetworkMode Parse(string value)
    {
        int colon = value.IndexOf(':');
        string kind = colon < 0 ? value : value[..colon];
        string? rest = colon < 0 ? null : value[(colon + 1)..];
        switch (kind)
        {
            case None or Host when rest is null:
                return new(kind, [], null);
            case Slirp4netns or Pasta:
                var opts = rest is null ? [] : rest.Split(',', StringSplitOptions.RemoveEmptyEntries);
                if (kind == Slirp4netns)
                    foreach (var o in opts)
                        if (!SlirpOptions.Known(o))
                            throw new ArgumentException($"--network {value}: unknown slirp4netns option \"{o}\" (allow_host_loopback=true|false, mtu=N, enable_ipv6=true|false)");
                return new(kind, opts, null);
            case Container when !string.IsNullOrEmpty(rest):
                State.ContainerId.Validate(rest);
                return new(kind, [], rest);
            case Namespace when !string.IsNullOrEmpty(rest) && rest.StartsWith('/'):
                return new(kind, [], rest);
            case Namespace when !string.IsNullOrEmpty(rest):
                throw new ArgumentException($"--network {value}: the namespace's path must be absolute (ns:/run/netns/NAME, ns:/proc/PID/ns/net)");
            case "bridge":
                throw new ArgumentException($"--network \"{value}\": rlrun has no bridge networks (podman's netavark/CNI); a rootless container's own network is pasta or slirp4netns (the default), containers share one with container:ID");
        }
        throw new ArgumentException($"--network \"{value}\": expected none, host, private, slirp4netns[:OPTIONS], pasta[:OPTIONS], container:ID or ns:/PATH");
    }

    public override string ToString() =>
        Target is not null ? $"{Kind}:{Target}" : Options.Count > 0 ? $"{Kind}:{string.Join(',', Options)}" : Kind;
}

/// <summary>The slirp4netns options --network takes (podman's names).</summary>
public static class SlirpOptions
{
    public static bool Known(string o) =>
        o is "allow_host_loopback=true" or "allow_host_loopback=false" or "enable_ipv6=true" or "enable_ipv6=false"
        || (o.StartsWith("mtu=") && int.TryParse(o[4..], out int m) && m is >= 68 and <= 65521);

    public static bool AllowHostLoopback(IEnumerable<string> opts) => opts.Contains("allow_host_loopback=true");
    public static bool EnableIpv6(IEnumerable<string> opts) => opts.Contains("enable_ipv6=true");
    public static int Mtu(IEnumerable<string> opts) =>
        opts.LastOrDefault(o => o.StartsWith("mtu=")) is { } m ? int.Parse(m[4..]) : 65520;
}
