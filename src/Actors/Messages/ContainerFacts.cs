namespace Rlrun.Actors;

/// <summary>The container's init exited (from the driver's exit watch). Pid tells an exit of the
/// current init from a late one of an init already replaced by a restart.</summary>
/// <param name="ExitCode">the shell's convention (128+N for signal N); null when unknown: a re-adopted
/// process that is not our child, whose status only its real parent can read. Unknown is a failure.</param>
/// <param name="At">by the actor system's scheduler clock, so tests drive it</param>
public sealed record ProcessExited(int Pid, int? ExitCode, DateTimeOffset At);

/// <summary>The backoff timer fired: restart now.</summary>
public sealed record RestartDue
{
    public static readonly RestartDue Instance = new();
}

/// <summary>The stop timeout passed without an exit: SIGKILL.</summary>
public sealed record StopTimedOut
{
    public static readonly StopTimedOut Instance = new();
}

/// <summary>Told by a container actor to its parent after it was deleted, before it stops, so an ID
/// can be created again at once.</summary>
public sealed record ContainerRemoved(string Id);
