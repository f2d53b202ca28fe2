namespace Rlrun.Actors;

/// <summary>What the supervisor knows of one container; the answer to GetStatus and to most commands.</summary>
public sealed record ContainerSnapshot(
    string Id,
    LifecycleState State,
    int Pid,
    string Bundle,
    RestartPolicy Policy,
    int RestartCount,
    int? LastExitCode,
    DateTimeOffset? StartedAt,
    DateTimeOffset? ExitedAt,
    bool ManuallyStopped,
    string? LastError);

public sealed record ExecCompleted(string Id, int ExitCode);

/// <summary>A command refused in the current state, or failed in the driver: the message says which
/// container, which command and why.</summary>
public sealed class ContainerCommandException(string id, string command, string reason, Exception? inner = null)
    : Exception($"{command} {id}: {reason}", inner)
{
    public string Id { get; } = id;
    public string Command { get; } = command;
    public string Reason { get; } = reason;
}
