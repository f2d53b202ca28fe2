using System.Text.Json.Serialization;

namespace Rlrun.Images.Oci;

/// <summary>The image configuration (image-spec config.md): what rlrun reads of it now.
/// The whole document is kept as a blob; the next issue reads its "config" for a container.</summary>
public sealed class ImageConfig
{
    [JsonPropertyName("created")] public DateTimeOffset? Created { get; set; }
    [JsonPropertyName("architecture")] public string? Architecture { get; set; }
    [JsonPropertyName("os")] public string? Os { get; set; }
    [JsonPropertyName("config")] public ImageRunConfig? Config { get; set; }
    [JsonPropertyName("rootfs")] public RootFs? RootFs { get; set; }
}

public sealed class ImageRunConfig
{
    [JsonPropertyName("User")] public string? User { get; set; }
    [JsonPropertyName("Env")] public List<string>? Env { get; set; }
    [JsonPropertyName("Entrypoint")] public List<string>? Entrypoint { get; set; }
    [JsonPropertyName("Cmd")] public List<string>? Cmd { get; set; }
    [JsonPropertyName("WorkingDir")] public string? WorkingDir { get; set; }
    [JsonPropertyName("Labels")] public Dictionary<string, string>? Labels { get; set; }
    [JsonPropertyName("StopSignal")] public string? StopSignal { get; set; }
}

public sealed class RootFs
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("diff_ids")] public List<string>? DiffIds { get; set; }
}

/// <summary>docker-archive's manifest.json (what `docker save` and `podman save` write): one entry per image.</summary>
public sealed class DockerArchiveEntry
{
    [JsonPropertyName("Config")] public string? Config { get; set; }
    [JsonPropertyName("RepoTags")] public List<string>? RepoTags { get; set; }
    [JsonPropertyName("Layers")] public List<string>? Layers { get; set; }
}

/// <summary>The oci-layout file at the top of an OCI layout directory.</summary>
public sealed class OciLayoutFile
{
    [JsonPropertyName("imageLayoutVersion")] public string? ImageLayoutVersion { get; set; }
}
