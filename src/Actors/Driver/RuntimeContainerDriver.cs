using Rlrun.Runtime.Container;
using Rlrun.Runtime.State;

namespace Rlrun.Actors;

/// <summary>Where a supervised container's stdin, stdout and stderr go (the daemon: its log pipes).
/// Open gives three fds, which the driver closes once the init has its copies.</summary>
public interface IContainerStdio
{
    int[] Open(string id);
}

/// <summary>The driver over the Runtime library, for the daemon and `rlrun run --restart`.</summary>
public sealed class RuntimeContainerDriver(StateStore store, Action<string>? debug = null, Action<string>? warn = null,
    IContainerStdio? stdio = null) : IContainerDriver
{
    public StateStore Store { get; } = store;

    public InitProcess CreateAndStart(ContainerSpec spec)
    {
        int[]? fds = stdio?.Open(spec.Id);
        try
        {
            var state = new ContainerRun(Store, debug, warn).StartDetached(spec.ToCreateOptions() with { Stdio = fds });
            return new InitProcess(state.Pid, state.InitStartTime);
        }
        finally
        {
            foreach (int fd in fds ?? []) Rlrun.Runtime.Interop.Libc.close(fd);
        }
    }

    public void Signal(string id, int signal, bool all) => new ContainerKill(Store).Kill(id, signal, all);

    public void Delete(string id, bool force) => new ContainerDelete(Store, warn).Delete(id, force);

    public void DeleteDeadCreate(string id) => new ContainerDelete(Store, warn).DeleteDeadCreate(id);

    public void Pause(string id) => new ContainerPause(Store).SetPaused(id, paused: true);

    public void Resume(string id) => new ContainerPause(Store).SetPaused(id, paused: false);

    public int Exec(ExecOptions options) => new ContainerExec(Store, debug).Exec(options);

    public ObservedContainer? Observe(string id)
    {
        ContainerState state;
        try { state = new ContainerQuery(Store).State(id); }
        catch (ContainerNotFoundException) { return null; }
        var init = state.Status is ContainerStatus.Stopped or ContainerStatus.Creating ? null : new InitProcess(state.Pid, state.InitStartTime);
        return new ObservedContainer(id, state.Status, init);
    }

    public Task<int?> WatchExit(InitProcess init) => ExitWatch.Start(init);

    public void Readopt(ContainerSpec spec)
    {
        if (spec.Network is not { } network) return;
        if (Rlrun.Runtime.Network.NetworkRevival.Revive(Store, spec.Id, network.ToRequest(), debug, warn) is { } fresh)
            warn?.Invoke($"container {spec.Id}: its network helper was gone: {fresh.Mode} started again (helper {fresh.HelperPid})");
    }
}
