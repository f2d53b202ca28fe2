using Rlrun.Runtime.Faults;
using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Container;

/// <summary>`delete [--force]`: a stopped or created container is removed; a running one only with
/// --force, after SIGKILL. --force on a missing container succeeds, as with runc (podman relies on it).</summary>
public sealed class ContainerDelete(StateStore store, Action<string>? warn = null)
{
    public void Delete(string id, bool force)
    {
        ContainerId.Validate(id);
        if (!Directory.Exists(store.DirOf(id)))
        {
            store.DropStaleClaim(id);
            if (force) return;
            throw new ContainerNotFoundException(id);
        }
        StateLock lck;
        try { lck = store.Lock(id); }
        catch (ContainerNotFoundException) when (force) { return; }
        using (lck)
        {
            ContainerState state;
            try { state = store.Load(id); }
            catch (ContainerNotFoundException)
            {
                // A directory without state.json: a create under way (it holds its claim), or one
                // that died half-way, in which nothing runs.
                if (store.CreateUnderWay(id, wait: force))
                {
                    if (!force) throw new InvalidOperationException($"cannot delete container {id}: it is being created");
                    // --force waited for the create: delete what it made, if it made it.
                    try { state = store.Load(id); }
                    catch (ContainerNotFoundException) { DeadCreate.Clean(store, id); store.DropStaleClaim(id); return; }
                }
                else
                {
                    DeadCreate.Clean(store, id);
                    store.DropStaleClaim(id);
                    return;
                }
            }
            FaultPoint.Reach("delete.locked", store.Root);
            string status = ContainerStatus.Of(state, store);
            if (status is ContainerStatus.Running or ContainerStatus.Paused && !force)
                throw new InvalidOperationException($"cannot delete container {id} that is not stopped: {status}");
            if (status != ContainerStatus.Stopped) ContainerProcess.KillAndWait(state, TimeSpan.FromSeconds(10));
            FaultPoint.Reach("delete.killed", store.Root);
            // The watcher stops the helper when the init dies; this covers a watcher killed with it.
            if (state.Network is { } network) Network.HelperProcess.Stop(network);
            // Whatever outlived the init (no PID namespace, or a crash) goes with the cgroup.
            if (state.Cgroup is { } cgroup) Cgroups.CgroupManagers.For(cgroup).Destroy(cgroup);
            FaultPoint.Reach("delete.cgroup-gone", store.Root);
            store.RemoveDir(id);
            FaultPoint.Reach("delete.removed", store.Root);
            store.DropStaleClaim(id);
            if (state.Poststop is { Count: > 0 } hooks)
                Process.HookRunner.RunAllWarn("poststop", hooks, OciState.Json(state, ContainerStatus.Stopped), w => warn?.Invoke(w));
        }
    }

    /// <summary>Removes what a create of ID that died half-way left (a directory without
    /// state.json, its cgroup, its claim file), and nothing else: a container with a state, or a
    /// create under way (its claim held), is someone's and stays. For a supervisor whose create
    /// was killed with it: it has no container of its own to delete, but that create's remains.</summary>
    public void DeleteDeadCreate(string id)
    {
        ContainerId.Validate(id);
        if (!Directory.Exists(store.DirOf(id)))
        {
            store.DropStaleClaim(id);
            return;
        }
        StateLock lck;
        try { lck = store.Lock(id); }
        catch (ContainerNotFoundException) { return; }
        using (lck)
        {
            if (store.Exists(id) || store.CreateUnderWay(id, wait: false)) return;
            DeadCreate.Clean(store, id);
            store.DropStaleClaim(id);
        }
    }
}
