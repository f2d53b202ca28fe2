namespace Rlrun.Runtime.State;

/// <summary>The status is derived, never trusted from the file: the init alive (same start time)
/// and still blocked on the exec fifo is "created"; alive past it is "running"; else "stopped".</summary>
public static class ContainerStatus
{
    public const string Creating = "creating", Created = "created", Running = "running", Stopped = "stopped", Paused = "paused";

    public static bool InitAlive(ContainerState s)
    {
        if (s.Pid <= 0) return false;
        var stat = ProcStat.Read(s.Pid);
        return stat is { } st && st.State is not ('Z' or 'X') && st.StartTime == s.InitStartTime;
    }

    public static string Of(ContainerState s, StateStore store)
    {
        if (s.Status == Creating) return Creating;
        if (!InitAlive(s)) return Stopped;
        if (File.Exists(Path.Join(store.DirOf(s.Id), StateStore.FifoFile))) return Created;
        if (s.Cgroup is { } cg && Cgroups.CgroupControl.IsFrozen(cg.Path)) return Paused;
        return Running;
    }
}
