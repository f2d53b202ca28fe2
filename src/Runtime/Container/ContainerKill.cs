using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Container;

/// <summary>`kill [--all] ID SIGNAL`.</summary>
public sealed class ContainerKill(StateStore store)
{
    public void Kill(string id, int signal, bool all)
    {
        ContainerId.Validate(id);
        var state = store.Load(id);
        if (ContainerStatus.Of(state, store) == ContainerStatus.Stopped) throw new InvalidOperationException("container not running");
        ContainerProcess.Signal(state, signal, all);
    }
}
