using System.Text;
using Rlrun.Runtime.IdMapping;
using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Namespaces;
using Rlrun.Runtime.Process;

namespace Rlrun.Runtime.Container;

/// <summary>An error the container init (stage 1 or 2) reported about itself.</summary>
public sealed class InitFailedException(string message) : Exception(message);

/// <summary>A container init that has reported "created": its PID, and the socket to it.</summary>
public sealed class LaunchedInit(int pid, InitChannel channel, int consoleMaster, int seccompListener) : IDisposable
{
    /// <summary>The seccomp notify fd when the profile uses SCMP_ACT_NOTIFY, else -1 (closed by Dispose).</summary>
    public int SeccompListener { get; } = seccompListener;

    public int Pid { get; } = pid;
    public InitChannel Channel { get; } = channel;
    /// <summary>The pty master when process.terminal is set, else -1. Owned until TakeConsole.</summary>
    public int ConsoleMaster { get; private set; } = consoleMaster;

    /// <summary>--console-socket: the pty master goes there (and is ours no more).</summary>
    public void SendConsole(string socket)
    {
        if (ConsoleMaster < 0) return;
        int master = TakeConsole();
        try { ConsoleSocket.Send(socket, master); }
        finally { Libc.close(master); }
    }

    public int TakeConsole()
    {
        int fd = ConsoleMaster;
        ConsoleMaster = -1;
        return fd;
    }

    public void Dispose()
    {
        if (ConsoleMaster >= 0) Libc.close(ConsoleMaster);
        if (SeccompListener >= 0) Libc.close(SeccompListener);
        Channel.Dispose();
    }
}

/// <summary>Stage 0's side of the process model: spawns the sealed copy of rlrun with the init socket,
/// writes the ID maps when stage 1 asks, and sends stage 2 its config (DESIGN.md, "The process model").</summary>
public static class InitLauncher
{
    /// <param name="beforeNamespaces">given stage 1's PID before it creates any namespace (cgroup placement)</param>
    /// <param name="runtimeHooks">runs prestart and createRuntime when the init asks; returns the error, or null</param>
    /// <param name="afterNamespaces">given the init's PID once its namespaces exist, before it sets up its root (the network helper starts there)</param>
    public static LaunchedInit Launch(InitConfig config, NamespacePlan namespaces, UserNamespacePlan userNs, int fifoPathFd, Action<string>? debug,
        Func<int, string?>? runtimeHooks = null, Action<int>? beforeNamespaces = null, IReadOnlyList<int>? stdio = null,
        Action<int>? afterNamespaces = null)
    {
        int preserve = config.PreserveFds;
        int initFd = 3 + preserve, fifoFd = initFd + 1;
        config.FifoFd = fifoPathFd >= 0 ? fifoFd : -1;

        int parentFd, childFd;
        unsafe
        {
            int* sv = stackalloc int[2];
            SyscallException.Check(SocketCalls.socketpair(SocketCalls.AF_UNIX, SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC, 0, sv), "socketpair");
            parentFd = sv[0]; childFd = sv[1];
        }
        var channel = new InitChannel(parentFd);
        var toClose = new List<int> { childFd };
        int stage1 = -1, containerPid = -1;
        try
        {
            // Move our fds above the child's targets so placing one cannot clobber another
            // (the memfd too: the child execs it by number, after the dup2s).
            int high = 3 + preserve + 2;
            int exeLow = SealedExecutable.Take();
            int exe = Libc.fcntl(exeLow, Libc.F_DUPFD_CLOEXEC, high);
            int dupErr = Libc.LastErrno;
            Libc.close(exeLow);
            if (exe < 0) throw new SyscallException("fcntl(F_DUPFD)", dupErr, "sealed copy of rlrun");
            toClose.Add(exe);
            int childHigh = SyscallException.Check(Libc.fcntl(childFd, Libc.F_DUPFD_CLOEXEC, high), "fcntl(F_DUPFD)");
            toClose.Add(childHigh);
            var fdMap = new List<(int, int)>();
            for (int i = 0; i < (stdio?.Count ?? 0); i++)
            {
                int stdHigh = SyscallException.Check(Libc.fcntl(stdio![i], Libc.F_DUPFD_CLOEXEC, high), "fcntl(F_DUPFD)");
                toClose.Add(stdHigh);
                fdMap.Add((stdHigh, i));
            }
            for (int fd = 3; fd < 3 + preserve; fd++) fdMap.Add((fd, fd));
            fdMap.Add((childHigh, initFd));
            if (fifoPathFd >= 0)
            {
                int fifoHigh = SyscallException.Check(Libc.fcntl(fifoPathFd, Libc.F_DUPFD_CLOEXEC, high), "fcntl(F_DUPFD)");
                toClose.Add(fifoHigh);
                fdMap.Add((fifoHigh, fifoFd));
            }
            debug?.Invoke("sealed copy of rlrun taken");
            stage1 = SpawnCalls.Spawn($"/proc/self/fd/{exe}", ["rlrun", "init"], [$"_RLRUN_INITFD={initFd}"], fdMap);
            debug?.Invoke("stage 1 spawned");
            foreach (int fd in toClose) Libc.close(fd);
            toClose.Clear();

            // The cgroup is joined before stage 1 unshares the cgroup namespace: its root is then ours.
            beforeNamespaces?.Invoke(stage1);
            channel.Send(FrameType.Plan, namespaces.Encode());
            debug?.Invoke("namespace plan sent");
            containerPid = RunStage1Exchange(channel, stage1, userNs, debug);
            Reap(stage1);
            stage1 = -1;
            debug?.Invoke($"namespaces made: container init {containerPid}");
            afterNamespaces?.Invoke(containerPid);

            config.HostPid = containerPid;
            config.Build = InitConfig.ThisBuild;
            channel.Send(FrameType.Config, InitConfigCodec.Encode(config));
            debug?.Invoke("config sent to the init");
            var (console, listener) = WaitCreated(channel, debug, () => runtimeHooks?.Invoke(containerPid));
            return new LaunchedInit(containerPid, channel, console, listener);
        }
        catch
        {
            foreach (int fd in toClose) Libc.close(fd);
            if (containerPid > 0) { ProcessCalls.kill(containerPid, 9); Reap(containerPid); }
            if (stage1 > 0) { ProcessCalls.kill(stage1, 9); Reap(stage1); }
            channel.Dispose();
            throw;
        }
    }

    /// <summary>Stage 0's half of the namespace set-up: maps when asked, until stage 1 reports its child's PID.</summary>
    public static int RunStage1Exchange(InitChannel channel, int stage1, UserNamespacePlan userNs, Action<string>? debug = null)
    {
        while (true)
        {
            var frame = channel.Receive();
            if (frame is null)
                throw new InitFailedException($"container init exited during namespace setup ({DescribeExit(stage1)})");
            var (type, payload, _) = frame.Value;
            switch (type)
            {
                case FrameType.MapRequest:
                    debug?.Invoke("stage 1 asks for the ID maps");
                    try { IdMapWriter.Write(stage1, userNs); }
                    catch (Exception e)
                    {
                        channel.Send(FrameType.MapDone, e.Message);
                        throw new InitFailedException($"write the user namespace's ID maps: {e.Message}");
                    }
                    channel.Send(FrameType.MapDone);
                    debug?.Invoke("ID maps written");
                    break;
                case FrameType.Pid:
                    return int.Parse(Encoding.ASCII.GetString(payload));
                case FrameType.Error:
                    string error = Encoding.UTF8.GetString(payload);
                    if (error.StartsWith(UserNamespaceRefusal.Stage1Prefix))
                        error = UserNamespaceRefusal.Explain(error, UserNamespaceLimits.Gather(CallerInfo.InForeignUserNamespace()));
                    throw new InitFailedException(error);
                default:
                    throw new InitFailedException($"container init: unexpected frame {type} during namespace setup");
            }
        }
    }

    static (int Console, int Listener) WaitCreated(InitChannel channel, Action<string>? debug, Func<string?> runtimeHooks)
    {
        int console = -1, listener = -1;
        void CloseFds()
        {
            if (console >= 0) Libc.close(console);
            if (listener >= 0) Libc.close(listener);
        }
        while (true)
        {
            var frame = channel.Receive();
            if (frame is null)
            {
                CloseFds();
                throw new InitFailedException("container init exited before it was set up");
            }
            switch (frame.Value.Type)
            {
                case FrameType.Created: debug?.Invoke("container init reports created"); return (console, listener);
                case FrameType.Console: console = frame.Value.Fd; break;
                case FrameType.SeccompListener: listener = frame.Value.Fd; break;
                case FrameType.RuntimeHooks:
                    string? failed = runtimeHooks();
                    channel.Send(FrameType.HooksDone, failed ?? "");
                    break;
                case FrameType.Debug: debug?.Invoke(DebugClock.Unstamp(Encoding.UTF8.GetString(frame.Value.Payload))); break;
                case FrameType.Error:
                    CloseFds();
                    throw new InitFailedException(Encoding.UTF8.GetString(frame.Value.Payload));
                default: throw new InitFailedException($"container init: unexpected frame {frame.Value.Type}");
            }
        }
    }

    static string DescribeExit(int pid)
    {
        int status;
        int rc;
        while ((rc = ProcessCalls.waitpid(pid, out status, 0)) < 0 && Libc.LastErrno == Libc.EINTR) { }
        return rc < 0 ? "status unknown" : $"exit code {ProcessCalls.ExitCodeOf(status)}";
    }

    public static void Reap(int pid) => ProcessCalls.WaitStatus(pid);
}
