namespace Rlrun.Actors;

/// <summary>The supervised container's lifecycle; each value is one behaviour of
/// <see cref="ContainerActor"/>.</summary>
public enum LifecycleState
{
    /// <summary>The actor exists and waits for Create (or Adopt after a daemon restart).</summary>
    Creating,
    /// <summary>Known and validated, never started.</summary>
    Created,
    Running,
    /// <summary>Running, with its cgroup frozen.</summary>
    Paused,
    /// <summary>Exited; the restart policy asked for a restart, which waits for its backoff delay.</summary>
    Restarting,
    /// <summary>A manual Stop was sent; waiting for the exit (SIGKILL after the timeout).</summary>
    Stopping,
    /// <summary>Exited and not restarted: a manual stop, or the policy said no.</summary>
    Stopped,
    /// <summary>Deleted through the driver; the actor stops.</summary>
    Deleted,
}
