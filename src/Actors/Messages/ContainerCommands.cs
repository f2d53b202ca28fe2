using Rlrun.Runtime.Container;

namespace Rlrun.Actors;

/// <summary>A command for one container. The supervisor routes it by Id; the container actor
/// answers a <see cref="ContainerSnapshot"/> (or what the command names) on success and a
/// <c>Status.Failure</c> holding a <see cref="ContainerCommandException"/> when refused or failed,
/// so <c>Ask&lt;ContainerSnapshot&gt;</c> throws on failure.</summary>
public interface IContainerCommand
{
    string Id { get; }
}

/// <summary>Supervise a new container: validated, not started (Creating -> Created).</summary>
/// <param name="Backoff">null: the supervisor's default</param>
public sealed record Create(ContainerSpec Spec, RestartPolicy Policy, RestartBackoff? Backoff = null) : IContainerCommand
{
    public string Id => Spec.Id;
}

/// <summary>Take over a container that a previous daemon supervised, from its supervision record:
/// watch it if it still runs; else a manual stop holds, and any other exit goes through the policy.</summary>
public sealed record Adopt(SupervisionRecord Record, RestartBackoff? Backoff = null) : IContainerCommand
{
    public string Id => Record.Spec.Id;
}

/// <summary>Create and start the container (from Created or Stopped). A manual start resets the
/// restart count and clears a manual stop.</summary>
public sealed record Start(string Id) : IContainerCommand;

/// <summary>Send a signal. Not a manual stop: the exit that may follow goes through the policy.</summary>
public sealed record Kill(string Id, int Signal, bool All = false) : IContainerCommand;

/// <summary>Stop for good: SIGTERM (or Signal), SIGKILL to all after Timeout; never restarted.</summary>
/// <param name="Timeout">null: the supervisor's default stop timeout</param>
public sealed record Stop(string Id, TimeSpan? Timeout = null, int Signal = 15) : IContainerCommand;

public sealed record Pause(string Id) : IContainerCommand;

public sealed record Resume(string Id) : IContainerCommand;

/// <summary>Run a process in the running container; answered with <see cref="ExecCompleted"/>
/// (at once with 0 when Options.Detach).</summary>
public sealed record Exec(ExecOptions Options) : IContainerCommand
{
    public string Id => Options.Id;
}

/// <summary>Remove the container through the driver, from any state. A running (or paused, or
/// stopping) one only with Force, which kills it.</summary>
public sealed record Delete(string Id, bool Force = false) : IContainerCommand;

/// <summary>Answered with the current <see cref="ContainerSnapshot"/>.</summary>
public sealed record GetStatus(string Id) : IContainerCommand;
