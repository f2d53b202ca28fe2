using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Process;
using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Network;

/// <summary>Starts a helper under its watcher (src/Native/netwatch.c, in rlrun's own binary) and
/// waits until it is ready; stops both. The watcher runs in a session of its own, so neither a
/// terminal's signals nor the death of rlrun or the daemon reach it; it stops the helper when the
/// init dies, and the helper dies with it (PR_SET_PDEATHSIG).</summary>
public static unsafe class HelperProcess
{
    public const string LogName = "network.log";
    static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(10);

    public static NetworkState Start(HelperCommand cmd, int initPid, string stateDir, string mode) =>
        Spawn(cmd, initPid, stateDir, mode).WaitReady();

    /// <summary>Starts the watcher and its helper and returns at once: the helper gets ready (pasta
    /// configures the namespace in some 30-80 ms) while the container's root is made; <see cref="PendingHelper.WaitReady"/>
    /// before the process runs.</summary>
    public static PendingHelper Spawn(HelperCommand cmd, int initPid, string stateDir, string mode)
    {
        string log = Path.Join(stateDir, LogName);
        int logFd = SyscallException.Check(Libc.open(log, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC | Libc.O_CLOEXEC, 0x180), "open", log);
        int nullFd = Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (nullFd < 0) { int e = Libc.LastErrno; Libc.close(logFd); throw new SyscallException("open", e, "/dev/null"); }
        int* p = stackalloc int[2];
        if (Pipe.pipe2(p, Libc.O_CLOEXEC) < 0)
        {
            int e = Libc.LastErrno;
            Libc.close(logFd); Libc.close(nullFd);
            throw new SyscallException("pipe2", e, "network helper ready pipe");
        }
        int readFd = p[0], writeFd = p[1];
        int watcher;
        try
        {
            var env = new List<string> { $"_RLRUN_NETWATCH={initPid}", $"PATH={Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin"}" };
            if (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { } xdg) env.Add($"XDG_RUNTIME_DIR={xdg}");
            if (cmd.PidFile is { } pf) env.Add($"_RLRUN_NETWATCH_PIDFILE={pf}");
            if (cmd.ReadyWhenConfigured) env.Add("_RLRUN_NETWATCH_NETCONF=1");
            // argv[0] of the watcher is the helper's path: it is exec'd as argv[1..].
            var argv = new List<string> { "rlrun-netwatch", cmd.Path };
            argv.AddRange(cmd.Args.Skip(1));
            watcher = SpawnCalls.Spawn(SealedExecutable.SourcePath, argv, env,
                [(nullFd, 0), (logFd, 1), (logFd, 2), (writeFd, 3)], newSession: true);
        }
        catch
        {
            Libc.close(readFd);
            throw;
        }
        finally
        {
            Libc.close(logFd);
            Libc.close(nullFd);
            Libc.close(writeFd);
        }
        return new PendingHelper(cmd, mode, log, watcher, readFd);
    }

    /// <summary>A helper started by <see cref="Spawn"/>, not yet known ready: exactly one of
    /// WaitReady (which stops it on failure) or Abandon ends it.</summary>
    public sealed class PendingHelper(HelperCommand cmd, string mode, string log, int watcher, int readFd)
    {
        int _readFd = readFd;
        public int WatcherPid => watcher;

        public NetworkState WaitReady()
        {
            if (_readFd < 0) throw new InvalidOperationException("network helper: waited for twice");
            try
            {
                string? line = ReadLine(_readFd, ReadyTimeout);
                if (line is null || !line.StartsWith("READY ") || !int.TryParse(line[6..], out int helper))
                {
                    Stop(watcher, 0, 0, 0);
                    throw new NetworkSetupException($"{Path.GetFileName(cmd.Path)} failed: {LogSummary(log, line is null ? "it did not get ready within 10 s" : "it exited")}");
                }
                return new NetworkState
                {
                    Mode = mode, WatcherPid = watcher, WatcherStartTime = ProcStat.Read(watcher)?.StartTime ?? 0,
                    HelperPid = helper, HelperStartTime = ProcStat.Read(helper)?.StartTime ?? 0, ApiSocket = cmd.ApiSocket,
                };
            }
            finally { CloseReadFd(); }
        }

        /// <summary>The container failed before its helper was waited for: the watcher (our child,
        /// not reaped, so its PID is still its own) is killed, which kills the helper (its parent-
        /// death signal); returns once both are gone.</summary>
        public void Abandon()
        {
            if (_readFd < 0) return;
            CloseReadFd();
            // The helper may still be starting: stopped and waited for by its PID, not only
            // through the watcher's death (its parent-death signal comes a moment later).
            int helper = HelperOf(watcher);
            Stop(watcher, 0, helper, helper > 0 ? ProcStat.Read(helper)?.StartTime ?? 0 : 0);
        }

        static int HelperOf(int watcher)
        {
            try
            {
                string children = File.ReadAllText($"/proc/{watcher}/task/{watcher}/children").Trim();
                return int.TryParse(children.Split(' ')[0], out int pid) ? pid : 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return 0; }
        }

        void CloseReadFd()
        {
            if (_readFd >= 0) Libc.close(_readFd);
            _readFd = -1;
        }
    }

    /// <summary>The helper's own words, without pasta's complaints about a missing syslog, nor the
    /// usage text it prints after "pasta: unrecognized option '--x'".</summary>
    public static string LogSummary(string log, string fallback)
    {
        try
        {
            var lines = File.ReadAllLines(log).Where(l => l.Length > 0 && !l.StartsWith("Failed to send") && !l.StartsWith("netwatch:"))
                .TakeWhile(l => !l.StartsWith("Usage:")).ToList();
            var shown = lines.Where(l => l.Contains("fail", StringComparison.OrdinalIgnoreCase) || l.Contains("error", StringComparison.OrdinalIgnoreCase)).ToList();
            if (shown.Count == 0) shown = lines.TakeLast(2).ToList();
            return shown.Count > 0 ? string.Join("; ", shown.Take(3)) : fallback;
        }
        catch (IOException) { return fallback; }
    }

    static string? ReadLine(int fd, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var buf = new byte[64];
        int have = 0;
        while (have < buf.Length)
        {
            int left = (int)Math.Max(0, (deadline - DateTime.UtcNow).TotalMilliseconds);
            if (left == 0) return null;
            var pfd = new Tmds.Linux.pollfd { fd = fd, events = ProcessCalls.POLLIN };
            int r = ProcessCalls.poll(&pfd, 1, left);
            if (r <= 0) continue;
            int n;
            fixed (byte* b = &buf[have]) n = (int)Libc.read(fd, b, buf.Length - have);
            if (n < 0 && Libc.LastErrno == Libc.EINTR) continue;
            if (n <= 0) return have == 0 ? "" : System.Text.Encoding.ASCII.GetString(buf, 0, have).TrimEnd();
            have += n;
            if (Array.IndexOf(buf, (byte)'\n', 0, have) >= 0) break;
        }
        return System.Text.Encoding.ASCII.GetString(buf, 0, have).TrimEnd();
    }

    /// <summary>Stops the watcher and the helper: SIGKILL to both (the helper's parent-death signal
    /// covers a watcher already gone). Returns once neither can act and the helper's published
    /// ports are free, not once the helper left the process table: a killed pasta spends 20-40 ms
    /// in the kernel closing its tap (the device's unregistration waits for RCU grace periods),
    /// which nobody can observe but through the ports it still holds (docs/image-run-start.md).</summary>
    public static void Stop(NetworkState s) =>
        Stop(s.WatcherPid, s.WatcherStartTime, s.HelperPid, s.HelperStartTime, HostPorts.Of(s.Ports));

    /// <summary>Both the watcher and the helper recorded run (the same processes: start times checked).</summary>
    public static bool Running(NetworkState s) => Alive(s.WatcherPid, s.WatcherStartTime) && Alive(s.HelperPid, s.HelperStartTime);

    /// <param name="ports">the helper's published host ports; null: unknown, so wait until it is gone</param>
    static void Stop(int watcher, ulong watcherStart, int helper, ulong helperStart, List<(int Port, string Protocol)>? ports = null)
    {
        // Its sockets show in /proc/self/net only where they live in our network namespace; the
        // helper's own ns link is not ours to read (pasta is not dumpable), its watcher's is (the
        // recorded one: start time checked, not a process that got its PID later).
        if (ports is { Count: > 0 } && !(Alive(watcher, watcherStart) && HostPorts.SameNetworkNamespace(watcher))) ports = null;
        bool ownWatcher = KillIfSame(watcher, watcherStart);
        KillIfSame(helper, helperStart);
        // Ours when create fails (it spawned the watcher): reap it. Else someone else's child.
        bool reaped = watcher <= 0 || ProcessCalls.waitpid(watcher, out _, ProcessCalls.WNOHANG) != 0;
        for (int i = 0; i < 1000; i++)
        {
            if (!CanAct(watcher, watcherStart) && (!Alive(helper, helperStart)
                || (!CanAct(helper, helperStart) && ports is not null && !HostPorts.AnyHeld(ports))))
                break;
            if (!reaped) reaped = ProcessCalls.waitpid(watcher, out _, ProcessCalls.WNOHANG) != 0;
            Thread.Sleep(1);
        }
        // A killed watcher of ours dies in a moment (it holds no device): reaped, not left a zombie.
        if (ownWatcher && !reaped) ProcessCalls.waitpid(watcher, out _, 0);
    }

    static bool KillIfSame(int pid, ulong start)
    {
        if (pid > 0 && (start == 0 ? ProcStat.Read(pid) is not null : Alive(pid, start))) return ProcessCalls.kill(pid, 9) == 0;
        return false;
    }

    /// <summary>Alive and not yet exiting: a SIGKILLed process may not have reached do_exit (PF_EXITING)
    /// the moment kill returns, though it never runs its own code again.</summary>
    static bool CanAct(int pid, ulong start) => Living(pid, start) is { Exiting: false };

    static bool Alive(int pid, ulong start) => Living(pid, start) is not null;

    /// <summary>The process recorded (start time checked, where one was), when it is not a zombie.</summary>
    static ProcStat? Living(int pid, ulong start) =>
        pid > 0 && ProcStat.Read(pid) is { } st && st.State is not ('Z' or 'X') && (start == 0 || st.StartTime == start) ? st : null;
}
