using Rlrun.Runtime.Cgroups;
using Rlrun.Runtime.Spec;
using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Container;

/// <summary>`update`: new resource limits on a running container, written to its cgroup (and, for a
/// systemd scope, to the unit too, by the systemd manager).</summary>
public sealed class ContainerUpdate(StateStore store)
{
    public void Update(string id, SpecResources resources)
    {
        ContainerId.Validate(id);
        using var _ = store.Lock(id);
        var state = store.Load(id);
        if (ContainerStatus.Of(state, store) == ContainerStatus.Stopped) throw new InvalidOperationException($"cannot update container {id}: it is stopped");
        var cg = ContainerCgroups.Required(state, "update");
        CgroupControl.WriteResources(cg.Path, resources);
        if (CgroupManagers.For(cg) is ICgroupUpdater updater) updater.Update(cg, resources);
    }
}
