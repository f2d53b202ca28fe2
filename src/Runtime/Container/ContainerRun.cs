using System.Runtime.InteropServices;
using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Process;
using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Container;

/// <summary>`run`: create and start in one process. In the foreground it passes stdio through,
/// forwards signals to the container, returns its exit code and deletes it unless --keep.</summary>
public sealed class ContainerRun(StateStore store, Action<string>? debug = null)
{
    // The signals a foreground `run` passes on, as runc's signal handler does.
    static readonly int[] Forwarded = [1, 2, 3, 10, 12, 15, 28]; // HUP INT QUIT USR1 USR2 TERM WINCH

    public int Run(CreateOptions o, bool detach, bool keep)
    {
        var (state, init) = new ContainerCreate(store, debug).Create(o, startViaSocket: true);
        using (init)
        {
            if (detach)
            {
                Start(init, state);
                return 0;
            }
            var registrations = Forwarded.Select(sig => PosixSignalRegistration.Create((PosixSignal)sig, ctx =>
            {
                ctx.Cancel = true;
                ProcessCalls.kill(state.Pid, sig);
            })).ToList();
            try
            {
                Start(init, state);
                int status;
                while (ProcessCalls.waitpid(state.Pid, out status, 0) < 0)
                {
                    if (Libc.LastErrno != Libc.EINTR) throw new SyscallException("waitpid", Libc.LastErrno, $"container init {state.Pid}");
                }
                return ProcessCalls.ExitCodeOf(status);
            }
            finally
            {
                foreach (var r in registrations) r.Dispose();
                if (!keep) new ContainerDelete(store).Delete(o.Id, force: true);
            }
        }
    }

    void Start(LaunchedInit init, ContainerState state)
    {
        try { init.Channel.Send(FrameType.Start); }
        catch (Exception)
        {
            store.RemoveDir(state.Id);
            throw new InitFailedException("container init exited before it could be started");
        }
    }
}
