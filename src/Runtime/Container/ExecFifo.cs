using Rlrun.Runtime.Interop;
using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Container;

/// <summary>The fifo a created container's init blocks on until `start`: opening it for reading
/// releases the init, which writes one byte to say it got through.</summary>
public static class ExecFifo
{
    public static unsafe void Release(string fifoPath, ContainerState state)
    {
        int fifo = SyscallException.Check(Libc.open(fifoPath, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0), "open", fifoPath);
        int pidfd = ContainerProcess.OpenInit(state);
        try
        {
            if (pidfd < 0) throw new InvalidOperationException("cannot start a container that has stopped");
            var fds = stackalloc ProcessCalls.PollFd[2];
            fds[0] = new ProcessCalls.PollFd { fd = fifo, events = ProcessCalls.POLLIN };
            fds[1] = new ProcessCalls.PollFd { fd = pidfd, events = ProcessCalls.POLLIN };
            while (true)
            {
                int rc = ProcessCalls.poll(fds, 2, -1);
                if (rc < 0 && Libc.LastErrno == Libc.EINTR) continue;
                SyscallException.Check(rc, "poll", fifoPath);
                if ((fds[0].revents & ProcessCalls.POLLIN) != 0)
                {
                    byte b;
                    nint n = Libc.read(fifo, &b, 1);
                    if (n == 1) return;
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
