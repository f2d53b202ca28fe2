using Rlrun.Images.Oci;

namespace Rlrun.Images.Registry;

/// <summary>How ImagePuller pulls: the platform to take from an index, where credentials come from,
/// TLS, retries, and who is told of progress.</summary>
public sealed class PullOptions
{
    public PlatformSpec Platform { get; init; } = PlatformSpec.Default;
    /// <summary>--authfile: this file only, instead of podman's search path (AuthFile).</summary>
    public string? AuthFile { get; init; }
    /// <summary>--creds: used instead of any auth file.</summary>
    public RegistryCredentials? Credentials { get; init; }
    /// <summary>--tls-verify: false allows unverified TLS and HTTP for every registry; null follows registries.conf.</summary>
    public bool? TlsVerify { get; init; }
    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;
    /// <summary>registries.conf as read (RegistriesConf.Load() when null).</summary>
    public RegistriesConf? Registries { get; init; }
    public IPullProgress Progress { get; init; } = QuietProgress.Instance;
    /// <summary>How many layers download at once (each unpacks as soon as its download ends).</summary>
    public int ParallelDownloads { get; init; } = 3;
}
