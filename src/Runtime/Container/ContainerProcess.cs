using Rlrun.Runtime.Interop;
using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Container;

/// <summary>Signals and waits for a container's processes, by pidfd so a reused PID is never hit.</summary>
public static class ContainerProcess
{
    /// <summary>A pidfd for the init, or -1 when it is gone (or the PID now belongs to another process).</summary>
    public static int OpenInit(ContainerState s)
    {
        int fd = ProcessCalls.pidfd_open(s.Pid);
        if (fd < 0) return -1;
        // The pidfd pins the process; check it is still the one we started.
        if (!ContainerStatus.InitAlive(s)) { Libc.close(fd); return -1; }
        return fd;
    }

    public static void Signal(ContainerState s, int signal, bool all)
    {
        int pidfd = OpenInit(s);
        if (pidfd < 0) throw new InvalidOperationException("container not running");
        try
        {
            if (all && s.Cgroup is { } cg) Cgroups.CgroupControl.Signal(cg.Path, signal);
            else if (all) foreach (int pid in OthersInPidNamespace(s.Pid)) ProcessCalls.kill(pid, signal);
            // After --all the init may already be dead and reaped (ESRCH): that is the signal's doing.
            if (Libc.syscall(SyscallNumbers.pidfd_send_signal, pidfd, signal, 0, 0, 0) < 0 && !(all && Libc.LastErrno == Libc.ESRCH))
                throw new SyscallException("kill", Libc.LastErrno, $"container init {s.Pid}");
        }
        finally { Libc.close(pidfd); }
    }

    /// <summary>Every other process in the init's PID namespace (kill --all without a cgroup).</summary>
    public static List<int> OthersInPidNamespace(int initPid)
    {
        var result = new List<int>();
        string? ns = NsOf(initPid);
        string? ours = NsOf(Environment.ProcessId);
        if (ns is null || ns == ours) return result; // no PID namespace of its own: only the init is known
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == initPid) continue;
            if (NsOf(pid) == ns) result.Add(pid);
        }
        return result;
    }

    static string? NsOf(int pid)
    {
        try { return new FileInfo($"/proc/{pid}/ns/pid").LinkTarget; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>SIGKILL the init (the kernel then kills its whole PID namespace) and wait until it is gone.</summary>
    public static void KillAndWait(ContainerState s, TimeSpan timeout)
    {
        int pidfd = OpenInit(s);
        if (pidfd < 0) return;
        try
        {
            // A frozen cgroup holds SIGKILL until it thaws.
            if (s.Cgroup is { } cg && Cgroups.CgroupControl.IsFrozen(cg.Path)) Cgroups.CgroupV2.Write(cg.Path, "cgroup.freeze", "0");
            foreach (int pid in OthersInPidNamespace(s.Pid)) ProcessCalls.kill(pid, 9);
            Libc.syscall(SyscallNumbers.pidfd_send_signal, pidfd, 9, 0, 0, 0);
            if (!WaitExit(pidfd, timeout)) throw new TimeoutException($"container init {s.Pid} did not exit within {timeout.TotalSeconds:0}s of SIGKILL");
        }
        finally { Libc.close(pidfd); }
    }

    /// <summary>Waits for the process behind pidfd to exit (readable pidfd); false on timeout.</summary>
    public static unsafe bool WaitExit(int pidfd, TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        var p = new Tmds.Linux.pollfd { fd = pidfd, events = ProcessCalls.POLLIN };
        while (true)
        {
            long left = deadline - Environment.TickCount64;
            if (left <= 0) return false;
            int rc = ProcessCalls.poll(&p, 1, (int)left);
            if (rc > 0) return true;
            if (rc < 0 && Libc.LastErrno != Libc.EINTR) throw new SyscallException("poll", Libc.LastErrno, "pidfd");
        }
    }
}
