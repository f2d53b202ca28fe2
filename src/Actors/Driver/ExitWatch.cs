using Rlrun.Runtime.Interop;
using Rlrun.Runtime.State;

namespace Rlrun.Actors;

/// <summary>Waits for an init to exit, on a thread of its own (a blocking waitpid or poll; the
/// actor thread never blocks on it). Our child: waitpid, which gives the status and reaps it. Not
/// our child (adopted after a daemon restart; waitpid says ECHILD): its pidfd turns readable when it
/// exits, and only its real parent can learn how, so the code is null.
/// ADAPTER: a Runtime "ProcessWaiter" (Interop/Processes.cs has the calls) would be the place for this;
/// one poll loop over every pidfd could replace the thread per container if there are many.</summary>
internal static class ExitWatch
{
    public static Task<int?> Start(InitProcess init)
    {
        int pid = init.Pid;
        if (pid <= 0) return Task.FromResult<int?>(null);
        int rc = ProcessCalls.waitpid(pid, out int status, ProcessCalls.WNOHANG);
        if (rc == pid) return Task.FromResult<int?>(ProcessCalls.ExitCodeOf(status));
        if (rc == 0)
        {
            // A child of ours under that PID, but another one than the init we knew: the init is gone.
            if (init.StartTime != 0 && ProcStat.Read(pid)?.StartTime != init.StartTime) return Task.FromResult<int?>(null);
            return OnThread(pid, () => WaitChild(pid));
        }
        if (Libc.LastErrno != Libc.ECHILD) throw new SyscallException("waitpid", Libc.LastErrno, $"container init {pid}");

        int pidfd = ProcessCalls.pidfd_open(pid);
        if (pidfd < 0) return Task.FromResult<int?>(null); // ESRCH: already gone
        // The pidfd pins the PID: if the process behind it is not the init we knew, the init is gone.
        if (ProcStat.Read(pid) is not { } stat || (init.StartTime != 0 && stat.StartTime != init.StartTime) || stat.State is 'Z' or 'X')
        {
            Libc.close(pidfd);
            return Task.FromResult<int?>(null);
        }
        return OnThread(pid, () =>
        {
            try { WaitReadable(pidfd); }
            finally { Libc.close(pidfd); }
            return null;
        });
    }

    static Task<int?> OnThread(int pid, Func<int?> wait)
    {
        var done = new TaskCompletionSource<int?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try { done.SetResult(wait()); }
            catch (Exception e) { done.SetException(e); }
        })
        { IsBackground = true, Name = $"exit-watch-{pid}" };
        thread.Start();
        return done.Task;
    }

    static int? WaitChild(int pid)
    {
        while (true)
        {
            int rc = ProcessCalls.waitpid(pid, out int status, 0);
            if (rc == pid) return ProcessCalls.ExitCodeOf(status);
            if (rc < 0 && Libc.LastErrno == Libc.EINTR) continue;
            // ECHILD: someone else reaped it; it is gone, how is unknown.
            if (rc < 0 && Libc.LastErrno == Libc.ECHILD) return null;
            throw new SyscallException("waitpid", Libc.LastErrno, $"container init {pid}");
        }
    }

    static unsafe void WaitReadable(int pidfd)
    {
        var p = new ProcessCalls.PollFd { fd = pidfd, events = ProcessCalls.POLLIN };
        while (true)
        {
            int rc = ProcessCalls.poll(&p, 1, -1);
            if (rc > 0) return;
            if (rc < 0 && Libc.LastErrno != Libc.EINTR) throw new SyscallException("poll", Libc.LastErrno, "pidfd");
        }
    }
}
