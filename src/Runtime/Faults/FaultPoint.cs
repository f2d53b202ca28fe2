using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Faults;

/// <summary>Test-only crash points (issue 18; docs/fault-points.md): with RLRUN_FAULT_AT=STEP in
/// its environment, rlrun (or the daemon) kills itself with SIGKILL when it reaches STEP, as a
/// power cut or an OOM kill would. Two conditions, so a variable that leaks into a production
/// environment does nothing: the state root must also hold a regular file named .fault-injection
/// that belongs to the caller, which only a test makes (in its own temporary root).</summary>
public static class FaultPoint
{
    public const string Variable = "RLRUN_FAULT_AT", ArmFile = ".fault-injection";

    static readonly string? Wanted = Environment.GetEnvironmentVariable(Variable);

    /// <summary>Every step rlrun can stop at: the tests drive each, and an unknown name is a test's typo.</summary>
    public static readonly IReadOnlyList<string> Steps =
    [
        "create.claimed", "create.cgroup", "create.launched", "create.saved", "create.done",
        "start.locked", "start.released", "start.saved",
        "run.started",
        "delete.locked", "delete.killed", "delete.cgroup-gone", "delete.removed",
        // The daemon's own steps (ContainerActor), between the library's.
        "daemon.created", "daemon.started", "daemon.restart.seen", "daemon.restart.due", "daemon.relaunch.deleted",
        "daemon.restart.launched", "daemon.stop.recorded", "daemon.stop.signalled", "daemon.stop.exited",
        "daemon.delete.removed", "daemon.delete.forgotten",
    ];

    public static void Reach(string step, string root)
    {
        if (Wanted is null || Wanted != step || !Armed(root)) return;
        ProcessCalls.kill(ProcessCalls.getpid(), 9);
        Thread.Sleep(Timeout.Infinite);
    }

    static bool Armed(string root) =>
        FileCalls.lstat(Path.Join(root, ArmFile), out var st) == 0 && (st.st_mode & FileCalls.S_IFMT) == FileCalls.S_IFREG
        && st.st_uid == ProcessCalls.geteuid();
}
