namespace Rlrun.Actors;

/// <summary>Published on the actor system's EventStream; subscribe to this interface for all of them.</summary>
public interface IContainerEvent
{
    string Id { get; }
}

public sealed record ContainerStateChanged(string Id, LifecycleState From, LifecycleState To) : IContainerEvent;

/// <summary>A restart is scheduled: Attempt is the restart count it will reach, after Delay.</summary>
public sealed record ContainerRestarting(string Id, int Attempt, TimeSpan Delay) : IContainerEvent;

/// <summary>The init exited; ExitCode null when unknown (see <see cref="ProcessExited"/>).</summary>
public sealed record ContainerExited(string Id, int? ExitCode) : IContainerEvent;

/// <summary>Creating or starting the container failed (on a restart, the policy then decides again).</summary>
public sealed record ContainerStartFailed(string Id, string Reason) : IContainerEvent;

/// <summary>A container run with Remove (`run -d --rm`) has stopped for good: whoever hosts the
/// supervisor deletes it, as `rlrun delete` would (the daemon: with its writable layer).</summary>
public sealed record ContainerRemovalDue(string Id) : IContainerEvent;
