using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Container;

/// <summary>`start`: release a created container's init from the exec fifo.</summary>
public sealed class ContainerStart(StateStore store)
{
    public void Start(string id)
    {
        ContainerId.Validate(id);
        using var _ = store.Lock(id);
        var state = store.Load(id);
        switch (ContainerStatus.Of(state, store))
        {
            case ContainerStatus.Created: break;
            case ContainerStatus.Stopped: throw new InvalidOperationException("cannot start a container that has stopped");
            case var s: throw new InvalidOperationException($"cannot start an already {s} container");
        }
        string fifo = Path.Join(store.DirOf(id), StateStore.FifoFile);
        ExecFifo.Release(fifo, state);
        File.Delete(fifo);
        state.Status = ContainerStatus.Running;
        store.Save(state);
    }
}
