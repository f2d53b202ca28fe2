using Rlrun.Runtime.Container;

namespace Rlrun.Actors;

/// <summary>A container's init as the driver started or found it. StartTime is /proc/PID/stat's
/// field 22: with it a PID reused by another process is not taken for the init (0: unknown, not checked).</summary>
public sealed record InitProcess(int Pid, ulong StartTime);

/// <summary>A container as found in the state store (adoption after a daemon restart).</summary>
/// <param name="Status">the runtime's derived status: created, running, paused or stopped</param>
/// <param name="Init">null when the init is gone</param>
public sealed record ObservedContainer(string Id, string Status, InitProcess? Init);

/// <summary>The seam between the container actor and the runtime: the actor decides, the driver
/// does. Every method but WatchExit may block (it runs on the actor's thread) and throws on failure;
/// the actor turns exceptions into failure replies or, on a restart, into a failed attempt.</summary>
public interface IContainerDriver
{
    /// <summary>Creates and starts the container; its init is a child of this process, so
    /// <see cref="WatchExit"/> can read its exit status.</summary>
    InitProcess CreateAndStart(ContainerSpec spec);

    void Signal(string id, int signal, bool all);

    /// <summary>Removes the container's state (and, with force, kills what still runs). A missing
    /// container with force is not an error, as with runc.</summary>
    void Delete(string id, bool force);

    /// <summary>Removes the remains of a create of ID that died half-way (a daemon killed in it),
    /// and nothing that is a container or a create under way.</summary>
    void DeleteDeadCreate(string id) { }

    void Pause(string id);

    void Resume(string id);

    /// <summary>The exec'd process's exit code (0 at once when options.Detach).</summary>
    int Exec(ExecOptions options);

    /// <summary>null when the store has no such container.</summary>
    ObservedContainer? Observe(string id);

    /// <summary>Adoption of a running container: gives back what it needs of its supervisor besides
    /// a watch of its init (a network helper that is gone, started again). Throws on failure.</summary>
    void Readopt(ContainerSpec spec) { }

    /// <summary>Completes when the init exits: with its exit code when it is our child (waitpid, which
    /// also reaps it), with null when it is not (a re-adopted init: a pidfd tells that it exited, not how).</summary>
    Task<int?> WatchExit(InitProcess init);
}
