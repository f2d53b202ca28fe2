namespace Rlrun.Images.Run;

/// <summary>A bind mount from -v HOST:CTR[:ro].</summary>
public sealed record VolumeBind(string Source, string Destination, bool ReadOnly);

/// <summary>What the podman-style flags of `run --image` / `create --image` ask for (parsed in
/// the CLI's ImageRunFlags); null fields: the image's value, else rlrun's default.</summary>
public sealed record ImageRunOptions
{
    public required string Image { get; init; }
    /// <summary>Replaces the image's Cmd (its Entrypoint stays), as with podman.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];
    public string? Entrypoint { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    public IReadOnlyList<VolumeBind> Volumes { get; init; } = [];
    public string? Workdir { get; init; }
    public string? User { get; init; }
    public string? Hostname { get; init; }
    public bool ReadOnly { get; init; }
    public bool Tty { get; init; }
    public long? MemoryBytes { get; init; }
    public long? PidsLimit { get; init; }
    /// <summary>CPUs as a quota per 100 ms period (1.5 -> 150000).</summary>
    public long? CpuQuota { get; init; }
    public string StorageDriver { get; init; } = Runtime.Overlay.StorageDriver.Auto;
    /// <summary>The ID when it came as the only argument, with no -- after it: `run --image IMG sh`
    /// (podman's order for a command) is refused when it names a program of the image.</summary>
    public string? BareId { get; init; }
}
