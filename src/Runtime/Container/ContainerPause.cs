using Rlrun.Runtime.Cgroups;
using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Container;

/// <summary>`pause` and `resume`: the cgroup v2 freezer.</summary>
public sealed class ContainerPause(StateStore store)
{
    public void SetPaused(string id, bool paused)
    {
        ContainerId.Validate(id);
        using var _ = store.Lock(id);
        var state = store.Load(id);
        string verb = paused ? "pause" : "resume";
        string status = ContainerStatus.Of(state, store);
        var cg = ContainerCgroups.Required(state, verb);
        if (paused && status != ContainerStatus.Running) throw new InvalidOperationException($"cannot pause container {id}: it is {status}");
        if (!paused && status != ContainerStatus.Paused) throw new InvalidOperationException($"cannot resume container {id}: it is {status}, not paused");
        CgroupControl.SetFrozen(cg.Path, paused);
    }
}
