using Rlrun.Runtime.Container;
using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Network;

/// <summary>A running container whose helper is gone (killed with a daemon's cgroup, or by hand,
/// while no daemon watched): a daemon that adopts it starts the helper again for the same network
/// namespace, with the same ports, and records the new one in state.json. pasta and slirp4netns
/// attach to a running init's namespace as well as to a new one; the old tap device went with the
/// old helper.</summary>
public static class NetworkRevival
{
    /// <returns>the new helper's state; null when nothing was missing (or there is no helper to have)</returns>
    public static NetworkState? Revive(StateStore store, string id, NetworkRequest request, Action<string>? debug = null, Action<string>? warn = null)
    {
        if (!request.Mode.UsesHelper) return null;
        using var lck = store.Lock(id);
        var state = store.Load(id);
        if (state.Network is not { } old || !ContainerStatus.InitAlive(state) || HelperProcess.Running(old)) return null;
        // Whichever of the two is left (a watcher whose helper was killed) goes first.
        HelperProcess.Stop(old);
        string dir = store.DirOf(id);
        // The old pid file would read as the new helper's readiness; slirp4netns binds its socket anew.
        File.Delete(Path.Join(dir, HelperCommand.PidFileName));
        File.Delete(Path.Join(dir, HelperCommand.ApiSocketName));
        var caller = CallerInfo.Detect(needRanges: false);
        var fresh = NetworkSetup.Start(request, state.Pid, dir, caller.Euid == 0 && !caller.InForeignUserNamespace, debug, warn);
        state.Network = fresh;
        try { store.Save(state); }
        catch
        {
            if (fresh is not null) HelperProcess.Stop(fresh);
            throw;
        }
        return fresh;
    }
}
