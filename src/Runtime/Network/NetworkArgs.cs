namespace Rlrun.Runtime.Network;

/// <summary>A <see cref="NetworkRequest"/> as the values of the flags that ask for it (--network,
/// -p, --dns, --add-host): what a supervised container carries to rlrun-supervisor (its command
/// line), to the daemon (its protocol) and into their records, to be parsed again for every
/// restart, so each restart gets the same network and ports.</summary>
public sealed record NetworkArgs(string Mode, List<string>? Publish = null, List<string>? Dns = null, List<string>? AddHost = null)
{
    public static NetworkArgs From(NetworkRequest r) => new(r.Mode.ToString(),
        r.Ports.Count > 0 ? r.Ports.Select(p => p.ToString()).ToList() : null,
        r.Dns.Count > 0 ? [.. r.Dns] : null,
        r.AddHosts.Count > 0 ? [.. r.AddHosts] : null);

    /// <exception cref="ArgumentException">a value is not what the flag takes (the message names it)</exception>
    public NetworkRequest ToRequest()
    {
        var request = new NetworkRequest(NetworkMode.Parse(Mode), (Publish ?? []).Select(PortMapping.Parse).ToList(), Dns ?? [], AddHost ?? []);
        request.Validate();
        return request;
    }

    /// <summary>The flags again, as rlrun-supervisor's and `rlrun run`'s command lines take them.</summary>
    public IEnumerable<string> ToFlags()
    {
        yield return "--network";
        yield return Mode;
        foreach (string p in Publish ?? []) { yield return "--publish"; yield return p; }
        foreach (string d in Dns ?? []) { yield return "--dns"; yield return d; }
        foreach (string h in AddHost ?? []) { yield return "--add-host"; yield return h; }
    }

    // By value, lists included: a record read back equals the one written.
    public bool Equals(NetworkArgs? other) =>
        other is not null && Mode == other.Mode && Same(Publish, other.Publish) && Same(Dns, other.Dns) && Same(AddHost, other.AddHost);

    public override int GetHashCode() => HashCode.Combine(Mode, Publish?.Count, Dns?.Count, AddHost?.Count);

    static bool Same(List<string>? a, List<string>? b) => (a ?? []).SequenceEqual(b ?? []);
}
