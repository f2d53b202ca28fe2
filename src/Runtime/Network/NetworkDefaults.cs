using Rlrun.Runtime.Host;

namespace Rlrun.Runtime.Network;

/// <summary>The network an image container gets when its caller says nothing: what rootless podman
/// 5 picks. pasta where Debian's passt package is installed (faster, and the container sees the
/// host's addresses), else slirp4netns, else no network with one warning.</summary>
public static class NetworkDefaults
{
    public static NetworkMode ForImageContainer(Action<string>? warn = null) =>
        ForImageContainer(NetworkHelperFacts.Gather(), warn);

    public static NetworkMode ForImageContainer(NetworkHelperFacts facts, Action<string>? warn)
    {
        if (facts.Pasta is not null) return new NetworkMode(NetworkMode.Pasta, [], null);
        if (facts.Slirp4netns is not null) return new NetworkMode(NetworkMode.Slirp4netns, [], null);
        warn?.Invoke("neither pasta (package passt) nor slirp4netns is installed: the container has loopback only (--network none)");
        return new NetworkMode(NetworkMode.None, [], null);
    }
}
