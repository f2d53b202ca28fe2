using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Container;

/// <summary>`kill [--all] ID SIGNAL`.</summary>
public sealed class ContainerKill(StateStore store)
{
    public void Kill(string id, int signal, bool all)
    {
        ContainerId.Validate(id);
        var state = store.Load(id);
        if (ContainerStatus.Of(state, store) == ContainerStatus.Stopped)
        {
            // runc's --all on a stopped container signals what is left in its cgroup (processes of a
            // container without a PID namespace of its own outlive the init) and succeeds when
            // nothing is: containerd's shim sends it at every stop.
            if (!all) throw new InvalidOperationException("container not running");
            if (state.Cgroup is { } cg && Directory.Exists(cg.Path)) Cgroups.CgroupControl.Signal(cg.Path, signal);
            return;
        }
        ContainerProcess.Signal(state, signal, all);
    }
}
