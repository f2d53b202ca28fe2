using System.Text.Json.Serialization;

namespace Rlrun.Actors;

/// <summary>A supervised container's record (&lt;root&gt;/.supervised/ID.json): what the supervisor
/// must remember across its own restart, and across the container's re-creation on each restart.</summary>
public sealed record SupervisionRecord
{
    public required ContainerSpec Spec { get; init; }
    /// <summary>As <see cref="RestartPolicy.ToString"/> writes it, so <see cref="RestartPolicy.Parse"/> reads it.</summary>
    public required string Policy { get; init; }
    public LifecycleState State { get; init; }
    public int RestartCount { get; init; }
    public int? LastExitCode { get; init; }
    public DateTimeOffset? LastExitAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public bool ManuallyStopped { get; init; }
    public int Pid { get; init; }
    /// <summary>/proc/PID/stat start time of the init, so adoption does not watch a reused PID.</summary>
    public ulong InitStartTime { get; init; }
    public string? LastError { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(SupervisionRecord))]
internal sealed partial class SupervisionJsonContext : JsonSerializerContext;
