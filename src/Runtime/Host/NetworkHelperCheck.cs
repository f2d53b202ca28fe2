namespace Rlrun.Runtime.Host;

/// <summary>Where slirp4netns and pasta (package passt) are; null: not found.</summary>
public sealed record NetworkHelperFacts(string? Slirp4netns, string? Pasta)
{
    public static NetworkHelperFacts Gather() => new(ToolLookup.Find("slirp4netns"), ToolLookup.Find("pasta"));
}

/// <summary>User-mode networking: a rootless container in its own network namespace reaches the
/// outside only through slirp4netns or pasta. Without either it has loopback only (or shares the
/// host's network namespace): a warning.</summary>
public static class NetworkHelperCheck
{
    public const string Name = "network";

    public static CheckResult Evaluate(NetworkHelperFacts f)
    {
        var found = new List<string>();
        if (f.Pasta is not null) found.Add($"pasta {f.Pasta}");
        if (f.Slirp4netns is not null) found.Add($"slirp4netns {f.Slirp4netns}");
        if (found.Count > 0) return CheckResult.Ok(Name, string.Join(", ", found));
        return CheckResult.Warn(Name, "neither slirp4netns nor pasta found: a container with its own network namespace has loopback only",
            "apt-get install slirp4netns\nor: apt-get install passt   # for pasta");
    }
}
