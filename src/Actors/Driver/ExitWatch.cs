using Rlrun.Runtime.Interop;
using Rlrun.Runtime.State;

namespace Rlrun.Actors;

/// <summary>Waits for an init to exit through its pidfd, on the shared <see cref="FdPoller"/> (no
/// thread per container). A pidfd turns readable when the process exits. Our child: then
/// waitpid(WNOHANG) gives the status and reaps it. Not our child (adopted after a daemon restart):
/// only its real parent can learn how it ended, so the code is null.</summary>
internal static class ExitWatch
{
    public static Task<int?> Start(InitProcess init, FdPoller? poller = null)
    {
        int pid = init.Pid;
        if (pid <= 0) return Task.FromResult<int?>(null);
        // Already exited and ours: the status at once.
        int rc0 = ProcessCalls.waitpid(pid, out int early, ProcessCalls.WNOHANG);
        if (rc0 == pid) return Task.FromResult<int?>(ProcessCalls.ExitCodeOf(early));
        if (rc0 < 0 && Libc.LastErrno != Libc.ECHILD) throw new SyscallException("waitpid", Libc.LastErrno, $"container init {pid}");
        int pidfd = ProcessCalls.pidfd_open(pid);
        if (pidfd < 0) return Task.FromResult<int?>(null); // ESRCH: already gone
        // The pidfd pins the PID: if the process behind it is not the init we knew, the init is gone.
        if (ProcStat.Read(pid) is not { } stat || (init.StartTime != 0 && stat.StartTime != init.StartTime) || (rc0 < 0 && stat.State is 'Z' or 'X'))
        {
            Libc.close(pidfd);
            return Task.FromResult<int?>(null);
        }
        var done = new TaskCompletionSource<int?>(TaskCreationOptions.RunContinuationsAsynchronously);
        (poller ?? FdPoller.Shared).Add(pidfd, (fd, _) =>
        {
            int rc = ProcessCalls.waitpid(pid, out int status, ProcessCalls.WNOHANG);
            Libc.close(fd);
            done.TrySetResult(rc == pid ? ProcessCalls.ExitCodeOf(status) : null);
            return false;
        });
        return done.Task;
    }
}
