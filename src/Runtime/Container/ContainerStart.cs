using Rlrun.Runtime.Faults;
using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Container;

/// <summary>`start`: release a created container's init from the exec fifo.</summary>
public sealed class ContainerStart(StateStore store, Action<string>? warn = null)
{
    public void Start(string id)
    {
        ContainerId.Validate(id);
        using var _ = store.Lock(id);
        var state = store.Load(id);
        FaultPoint.Reach("start.locked", store.Root);
        switch (ContainerStatus.Of(state, store))
        {
            case ContainerStatus.Created: break;
            case ContainerStatus.Stopped: throw new InvalidOperationException("cannot start a container that has stopped");
            case var s: throw new InvalidOperationException($"cannot start an already {s} container");
        }
        string fifo = Path.Join(store.DirOf(id), StateStore.FifoFile);
        using var notify = NotifySocketProxy.Listen(store.DirOf(id));
        // Waiting for the exec costs the init's last steps; only poststart hooks need it.
        var poststart = state.Poststart;
        ExecFifo.Release(fifo, state, untilExec: poststart is { Count: > 0 });
        FaultPoint.Reach("start.released", store.Root);
        File.Delete(fifo);
        state.Status = ContainerStatus.Running;
        store.Save(state);
        FaultPoint.Reach("start.saved", store.Root);
        RunPoststart(state, warn, poststart);
        // Like runc, start returns once the container says it is ready, when it was asked to.
        notify?.RelayUntilReady(() => ContainerStatus.InitAlive(state));
    }

    /// <summary>poststart: config.json's, read now from the bundle; a failure is a warning, per the spec.</summary>
    public static void RunPoststart(ContainerState state, Action<string>? warn, List<Spec.SpecHook>? hooks)
    {
        if (hooks is { Count: > 0 })
            Process.HookRunner.RunAllWarn("poststart", hooks, OciState.Json(state, ContainerStatus.Running), w => warn?.Invoke(w));
    }
}
