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
