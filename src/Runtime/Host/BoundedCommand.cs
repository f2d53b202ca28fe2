using System.Text;
using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Host;

/// <summary>What a helper program did: its exit code (128+N for signal N), its output, and
/// whether it was killed for running out of time.</summary>
public sealed record CommandOutcome(int ExitCode, string Stdout, string Stderr, bool TimedOut);

/// <summary>Runs a helper program with a time limit: stdin /dev/null, stdout and stderr captured
/// (up to 64 KiB each), in its own session so that on time-out the whole group is killed.</summary>
public static unsafe class BoundedCommand
{
    const int MaxOutput = 64 * 1024;

    public static CommandOutcome Run(string path, IReadOnlyList<string> argv, IReadOnlyList<string> env, TimeSpan timeout)
    {
        int* outFds = stackalloc int[2];
        int* errFds = stackalloc int[2];
        SyscallException.Check(Pipe.pipe2(outFds, Libc.O_CLOEXEC), "pipe2");
        if (Pipe.pipe2(errFds, Libc.O_CLOEXEC) < 0)
        {
            int err = Libc.LastErrno;
            Libc.close(outFds[0]); Libc.close(outFds[1]);
            throw new SyscallException("pipe2", err);
        }
        int devNull = Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        int pid;
        try
        {
            var fdMap = new List<(int, int)> { (outFds[1], 1), (errFds[1], 2) };
            if (devNull >= 0) fdMap.Add((devNull, 0));
            pid = SpawnCalls.Spawn(path, argv, env, fdMap, newSession: true);
        }
        catch
        {
            Libc.close(outFds[0]); Libc.close(errFds[0]);
            throw;
        }
        finally
        {
            Libc.close(outFds[1]); Libc.close(errFds[1]);
            if (devNull >= 0) Libc.close(devNull);
        }

        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        bool timedOut = !Drain(outFds[0], errFds[0], stdout, stderr, Environment.TickCount64 + (long)timeout.TotalMilliseconds);
        Libc.close(outFds[0]);
        Libc.close(errFds[0]);
        if (timedOut) ProcessCalls.kill(-pid, Tmds.Linux.LibC.SIGKILL);
        return new CommandOutcome(ProcessCalls.ExitCodeOf(ProcessCalls.WaitStatus(pid)), Text(stdout), Text(stderr), timedOut);
    }

    /// <summary>Reads both pipes until both are at end of file (true) or the deadline passes (false).</summary>
    static bool Drain(int outFd, int errFd, MemoryStream stdout, MemoryStream stderr, long deadline)
    {
        var fds = stackalloc Tmds.Linux.pollfd[2];
        fds[0] = new Tmds.Linux.pollfd { fd = outFd, events = ProcessCalls.POLLIN };
        fds[1] = new Tmds.Linux.pollfd { fd = errFd, events = ProcessCalls.POLLIN };
        byte* buf = stackalloc byte[4096];
        while (fds[0].fd >= 0 || fds[1].fd >= 0)
        {
            long left = deadline - Environment.TickCount64;
            if (left <= 0) return false;
            int n = ProcessCalls.poll(fds, 2, (int)Math.Min(left, int.MaxValue));
            if (n < 0)
            {
                if (Libc.LastErrno == Libc.EINTR) continue;
                throw new SyscallException("poll", Libc.LastErrno);
            }
            for (int i = 0; i < 2; i++)
            {
                if (fds[i].fd < 0 || fds[i].revents == 0) continue;
                nint got = Libc.read(fds[i].fd, buf, 4096);
                if (got < 0 && Libc.LastErrno == Libc.EINTR) continue;
                if (got <= 0) { fds[i].fd = -1; continue; } // end of file (or an error: nothing more to read)
                var sink = i == 0 ? stdout : stderr;
                if (sink.Length < MaxOutput) sink.Write(new ReadOnlySpan<byte>(buf, (int)Math.Min(got, MaxOutput - sink.Length)));
            }
        }
        return true;
    }

    static string Text(MemoryStream s) => Encoding.UTF8.GetString(s.GetBuffer(), 0, (int)s.Length);
}
