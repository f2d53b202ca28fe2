using System.Text;
using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Spec;

namespace Rlrun.Runtime.Process;

public sealed class HookFailedException(string message) : Exception(message);

/// <summary>Runs OCI hooks: each hook's path with its args and env (nothing inherited), the container
/// state JSON on stdin, killed at its timeout. A failure names the phase, the hook and the reason.</summary>
public static class HookRunner
{
    public static void RunAll(string phase, IEnumerable<SpecHook>? hooks, byte[] stateJson)
    {
        int i = 0;
        foreach (var hook in hooks ?? [])
        {
            string? why = Run(hook, stateJson);
            if (why is not null) throw new HookFailedException($"{phase} hook #{i} ({hook.Path}): {why}");
            i++;
        }
    }

    /// <summary>Runs every hook; failures are given to warn, and do not stop the others (poststart, poststop).</summary>
    public static void RunAllWarn(string phase, IEnumerable<SpecHook>? hooks, byte[] stateJson, Action<string> warn)
    {
        int i = 0;
        foreach (var hook in hooks ?? [])
        {
            string? why = Run(hook, stateJson);
            if (why is not null) warn($"{phase} hook #{i} ({hook.Path}): {why}");
            i++;
        }
    }

    /// <summary>null when the hook exited 0, else why not.</summary>
    public static unsafe string? Run(SpecHook hook, byte[] stateJson)
    {
        int* fds = stackalloc int[4];
        SyscallException.Check(Pipe.pipe2(fds, Libc.O_CLOEXEC), "pipe2");
        SyscallException.Check(Pipe.pipe2(fds + 2, Libc.O_CLOEXEC), "pipe2");
        int stdinRead = fds[0], stdinWrite = fds[1], errRead = fds[2], errWrite = fds[3];
        int pid;
        try
        {
            var argv = hook.Args is { Count: > 0 } a ? a : [hook.Path];
            pid = SpawnCalls.Spawn(hook.Path, argv, hook.Env ?? [], [(stdinRead, 0), (errWrite, 1), (errWrite, 2)]);
        }
        catch (SyscallException e)
        {
            Libc.close(stdinWrite); Libc.close(errRead);
            return e.Message;
        }
        finally { Libc.close(stdinRead); Libc.close(errWrite); }

        var output = new StringBuilder();
        int pidfd = ProcessCalls.pidfd_open(pid);
        long deadline = hook.Timeout is int t and > 0 ? Environment.TickCount64 + t * 1000L : long.MaxValue;
        bool timedOut = false;
        var buf = new byte[4096];
        var pfd = stackalloc Tmds.Linux.pollfd[3];
        bool errOpen = true;
        // stdin is written as the hook reads it, inside the timed loop: a hook that never reads a
        // large state must still time out, and one that ignores stdin is fine.
        Libc.fcntl(stdinWrite, 4 /* F_SETFL */, Libc.O_NONBLOCK);
        int written = 0;
        void CloseStdin() { if (stdinWrite >= 0) { Libc.close(stdinWrite); stdinWrite = -1; } }
        if (stateJson.Length == 0) CloseStdin();
        while (true)
        {
            long left = deadline == long.MaxValue ? -1 : Math.Max(0, deadline - Environment.TickCount64);
            pfd[0] = new Tmds.Linux.pollfd { fd = errOpen ? errRead : -1, events = ProcessCalls.POLLIN };
            pfd[1] = new Tmds.Linux.pollfd { fd = pidfd, events = ProcessCalls.POLLIN };
            pfd[2] = new Tmds.Linux.pollfd { fd = stdinWrite, events = 4 /* POLLOUT */ };
            int rc = ProcessCalls.poll(pfd, 3, (int)Math.Min(left, int.MaxValue));
            if (rc < 0 && Libc.LastErrno == Libc.EINTR) continue;
            if (rc == 0) { timedOut = true; ProcessCalls.kill(pid, 9); break; }
            if (stdinWrite >= 0 && pfd[2].revents != 0)
            {
                nint n;
                fixed (byte* p = stateJson) n = Libc.write(stdinWrite, p + written, stateJson.Length - written);
                if (n > 0) written += (int)n;
                if (written == stateJson.Length || (n < 0 && Libc.LastErrno != Libc.EAGAIN && Libc.LastErrno != Libc.EINTR)) CloseStdin();
            }
            if (errOpen && (pfd[0].revents & ProcessCalls.PollReadOrClosed) != 0)
            {
                int n = ReadSome(errRead, buf);
                if (n <= 0) { errOpen = false; if (pidfd < 0) break; }
                else if (output.Length < 4096) output.Append(Encoding.UTF8.GetString(buf, 0, n));
            }
            if (pidfd >= 0 && (pfd[1].revents & ProcessCalls.POLLIN) != 0)
            {
                // Exited: take what it wrote without waiting for children that may hold the pipe.
                Libc.fcntl(errRead, 4 /* F_SETFL */, Libc.O_NONBLOCK);
                while (errOpen && output.Length < 4096 && ReadSome(errRead, buf) is int m and > 0) output.Append(Encoding.UTF8.GetString(buf, 0, m));
                break;
            }
        }
        CloseStdin();
        Libc.close(errRead);
        if (timedOut) { InitReap(pid, pidfd); return $"timed out after {hook.Timeout}s"; }
        int status = InitReap(pid, pidfd);
        int code = ProcessCalls.ExitCodeOf(status);
        if (code == 0) return null;
        string said = output.ToString().Trim().Replace('\n', ' ');
        return $"exit status {code}{(said.Length > 0 ? ": " + said : "")}";
    }

    static unsafe int ReadSome(int fd, byte[] buf)
    {
        while (true)
        {
            nint n;
            fixed (byte* p = buf) n = Libc.read(fd, p, buf.Length);
            if (n < 0 && Libc.LastErrno == Libc.EINTR) continue;
            return (int)n;
        }
    }

    static int InitReap(int pid, int pidfd)
    {
        int status = ProcessCalls.WaitStatus(pid);
        if (pidfd >= 0) Libc.close(pidfd);
        return status;
    }
}
