using Rlrun.Runtime.Faults;
using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Process;
using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Container;

/// <summary>`run`: create and start in one process. In the foreground it passes stdio through,
/// forwards signals to the container, returns its exit code and deletes it unless --keep.</summary>
public sealed class ContainerRun(StateStore store, Action<string>? debug = null, Action<string>? warn = null)
{
    public int Run(CreateOptions o, bool detach, bool keep)
    {
        var (state, init) = new ContainerCreate(store, debug, warn).Create(o, startViaSocket: true, detached: detach);
        var poststart = state.Poststart;
        using (init)
        {
            using var notify = NotifySocketProxy.Listen(store.DirOf(o.Id));
            if (detach)
            {
                Start(init, state, poststart);
                ContainerStart.RunPoststart(state, warn, poststart);
                notify?.RelayUntilReady(() => ContainerStatus.InitAlive(state));
                NotifySocketProxy.ReportReady(state.Pid);
                return 0;
            }
            try
            {
                using var foreground = new ForegroundProcess(state.Pid, init.TakeConsole());
                notify?.RelayInBackground();
                Start(init, state, poststart);
                debug?.Invoke("started");
                ContainerStart.RunPoststart(state, warn, poststart);
                NotifySocketProxy.ReportReady(state.Pid);
                int code = foreground.Wait();
                debug?.Invoke("container exited");
                return code;
            }
            finally
            {
                if (!keep) new ContainerDelete(store, warn).Delete(o.Id, force: true);
                debug?.Invoke(keep ? "kept" : "deleted");
            }
        }
    }

    /// <summary>Creates and starts a container whose init stays this process's child (CLONE_PARENT),
    /// so a supervisor can wait for it and read its exit status: what the supervisor's actors use.</summary>
    public ContainerState StartDetached(CreateOptions o)
    {
        var (state, init) = new ContainerCreate(store, debug, warn).Create(o, startViaSocket: true, detached: true);
        var poststart = state.Poststart;
        using (init)
        {
            Start(init, state, poststart);
            ContainerStart.RunPoststart(state, warn, poststart);
            return state;
        }
    }

    void Start(LaunchedInit init, ContainerState state, List<Spec.SpecHook>? poststart)
    {
        try { init.Channel.Send(FrameType.Start); }
        catch (Exception)
        {
            store.RemoveDir(state.Id);
            throw new InitFailedException("container init exited before it could be started");
        }
        FaultPoint.Reach("run.started", store.Root);
        // The init's end of the socket closes at execve (or when it dies): poststart comes after.
        if (poststart is { Count: > 0 }) try { while (init.Channel.Receive() is not null) { } }
        catch (IOException) { }
        catch (Interop.SyscallException) { }
    }
}
