using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Container;

/// <summary>`state` and `list`: the saved state with the status derived now.</summary>
public sealed class ContainerQuery(StateStore store)
{
    public ContainerState State(string id)
    {
        ContainerId.Validate(id);
        var state = store.Load(id);
        state.Status = ContainerStatus.Of(state, store);
        if (state.Status == ContainerStatus.Stopped) state.Pid = 0;
        return state;
    }

    /// <summary>The container's processes: its init and everything in its PID namespace.</summary>
    public List<int> Processes(string id)
    {
        var state = State(id);
        if (state.Status == ContainerStatus.Stopped) return [];
        if (state.Cgroup is { } cg && Cgroups.CgroupControl.Exists(cg.Path)) return Cgroups.CgroupV2.Procs(cg.Path).Order().ToList();
        return [state.Pid, .. ContainerProcess.OthersInPidNamespace(state.Pid).Order()];
    }

    public List<ContainerState> List()
    {
        var result = new List<ContainerState>();
        foreach (var id in store.Ids())
        {
            try { result.Add(State(id)); }
            catch (ContainerNotFoundException) { } // deleted while we listed
        }
        return result;
    }
}
