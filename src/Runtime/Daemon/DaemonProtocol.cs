using System.Text.Json.Serialization;

namespace Rlrun.Runtime.Daemon;

/// <summary>One request to the daemon: a JSON object on one line (docs/daemon-protocol.md).</summary>
public sealed record DaemonRequest
{
    /// <summary>ping, run, start, stop, kill, delete, list, status</summary>
    public required string Op { get; init; }
    public string? Id { get; init; }
    public string? Bundle { get; init; }
    /// <summary>run: no, on-failure[:MAX], always, unless-stopped</summary>
    public string? Restart { get; init; }
    public string? CgroupManager { get; init; }
    public string? PidFile { get; init; }
    public bool NoPivot { get; init; }
    public bool Debug { get; init; }
    /// <summary>run: the backoff, in milliseconds; null: the daemon's default</summary>
    public double? RestartDelayMs { get; init; }
    public double? RestartMaxDelayMs { get; init; }
    public double? RestartResetAfterMs { get; init; }
    /// <summary>run: the container's network (--network, -p, --dns, --add-host); null: its config.json's</summary>
    public Network.NetworkArgs? Network { get; init; }
    /// <summary>run: delete the container once it exits, for good (`run -d --rm --image`, as podman's)</summary>
    public bool Remove { get; init; }
    /// <summary>kill, stop: the signal number</summary>
    public int? Signal { get; init; }
    public bool All { get; init; }
    public bool Force { get; init; }
    /// <summary>stop: seconds before SIGKILL</summary>
    public double? Timeout { get; init; }
}

/// <summary>The answer: ok, or an error; what the op returns.</summary>
public sealed record DaemonResponse
{
    public bool Ok { get; init; }
    public string? Error { get; init; }
    public SupervisedContainer? Container { get; init; }
    public List<SupervisedContainer>? Containers { get; init; }
    public DaemonInfo? Daemon { get; init; }
}

public sealed record DaemonInfo(int Pid, string Root, int Containers, string Version);

/// <summary>A supervised container as the daemon sees it.</summary>
public sealed record SupervisedContainer
{
    public required string Id { get; init; }
    /// <summary>creating, created, running, paused, restarting, stopping, stopped, deleted</summary>
    public required string State { get; init; }
    public int Pid { get; init; }
    public string? Bundle { get; init; }
    public string? Restart { get; init; }
    public int RestartCount { get; init; }
    public int? LastExitCode { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? ExitedAt { get; init; }
    public bool ManuallyStopped { get; init; }
    public string? LastError { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DaemonRequest))]
[JsonSerializable(typeof(DaemonResponse))]
[JsonSerializable(typeof(Network.NetworkArgs))]
public sealed partial class DaemonJsonContext : JsonSerializerContext;
