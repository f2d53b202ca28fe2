using Rlrun.Runtime.Interop;
using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Container;

/// <summary>The fifo a created container's init blocks on until `start`: opening it for reading
/// releases the init, which writes one byte to say it got through.</summary>
public static class ExecFifo
{
    /// <summary>The init keeps the fifo open until execve closes it: the hang-up means the
    /// container's process runs (or the init died trying), which poststart hooks must come after.</summary>
    static unsafe void WaitForExec(int fifo, int pidfd)
    {
        var fds = stackalloc Tmds.Linux.pollfd[2];
        var deadline = Environment.TickCount64 + 30_000;
        while (Environment.TickCount64 < deadline)
        {
            fds[0] = new Tmds.Linux.pollfd { fd = fifo, events = ProcessCalls.POLLIN };
            fds[1] = new Tmds.Linux.pollfd { fd = pidfd, events = ProcessCalls.POLLIN };
            int rc = ProcessCalls.poll(fds, 2, 1000);
            if (rc < 0 && Libc.LastErrno == Libc.EINTR) continue;
            if (rc < 0) return;
            if ((fds[0].revents & ProcessCalls.POLLHUP) != 0 || (fds[1].revents & ProcessCalls.POLLIN) != 0) return;
            if ((fds[0].revents & ProcessCalls.POLLIN) != 0)
            {
                byte b;
                if (Libc.read(fifo, &b, 1) == 0) return; // end of file: the writer closed it
            }
        }
    }

    /// <param name="untilExec">also wait until the init has exec'd (for poststart hooks)</param>
    public static unsafe void Release(string fifoPath, ContainerState state, bool untilExec)
    {
        int fifo = SyscallException.Check(Libc.open(fifoPath, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0), "open", fifoPath);
        int pidfd = ContainerProcess.OpenInit(state);
        try
        {
            if (pidfd < 0)
            {
                // Opening the fifo released the init; a process that exits at once may be gone
                // already. The byte it left says it got as far as exec: that is a start.
                byte early;
                if (Libc.read(fifo, &early, 1) == 1) return;
                throw new InvalidOperationException("cannot start a container that has stopped");
            }
            var fds = stackalloc Tmds.Linux.pollfd[2];
            fds[0] = new Tmds.Linux.pollfd { fd = fifo, events = ProcessCalls.POLLIN };
            fds[1] = new Tmds.Linux.pollfd { fd = pidfd, events = ProcessCalls.POLLIN };
            while (true)
            {
                int rc = ProcessCalls.poll(fds, 2, -1);
                if (rc < 0 && Libc.LastErrno == Libc.EINTR) continue;
                SyscallException.Check(rc, "poll", fifoPath);
                if ((fds[0].revents & ProcessCalls.POLLIN) != 0)
                {
                    byte b;
                    nint n = Libc.read(fifo, &b, 1);
                    if (n == 1) { if (untilExec) WaitForExec(fifo, pidfd); return; }
                }
                if ((fds[1].revents & ProcessCalls.POLLIN) != 0 || (fds[0].revents & ProcessCalls.POLLHUP) != 0)
                    throw new InvalidOperationException("container init exited before it could be started");
            }
        }
        finally
        {
            Libc.close(fifo);
            if (pidfd >= 0) Libc.close(pidfd);
        }
    }
}
