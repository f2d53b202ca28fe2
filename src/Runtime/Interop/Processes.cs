using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Rlrun.Runtime.Interop;

/// <summary>Process calls: Tmds.LibC where it binds them; waitpid, prctl and get/setrlimit bound here
/// (Tmds.LibC 0.5.0 lacks them); the per-thread credential calls and pidfd_open through syscall(2).</summary>
public static unsafe partial class ProcessCalls
{
    public static int kill(int pid, int sig) => LibC.kill(pid, sig);

    /// <summary>Own binding: Tmds.LibC 0.5.0 has no waitpid.</summary>
    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int waitpid(int pid, out int status, int options);

    /// <summary>sys/wait.h, which Tmds.LibC does not carry.</summary>
    public const int WNOHANG = 1;

    public static bool WIfExited(int status) => (status & 0x7f) == 0;
    public static int WExitStatus(int status) => (status >> 8) & 0xff;
    public static bool WIfSignaled(int status) => ((status & 0x7f) + 1) >> 1 > 0 && (status & 0x7f) != 0x7f;
    public static int WTermSig(int status) => status & 0x7f;

    /// <summary>The shell's convention: the exit code, or 128+N when killed by signal N.</summary>
    public static int ExitCodeOf(int status) =>
        WIfExited(status) ? WExitStatus(status) : WIfSignaled(status) ? 128 + WTermSig(status) : 255;

    /// <summary>Reaps the child, waiting for it (a signal's EINTR waits again): its wait status.</summary>
    public static int WaitStatus(int pid)
    {
        int status;
        while (waitpid(pid, out status, 0) < 0 && Libc.LastErrno == Libc.EINTR) { }
        return status;
    }

    public static int getpid() => LibC.getpid();

    public static uint geteuid() => LibC.geteuid();

    public static uint getegid() => LibC.getegid();

    public static uint getuid() => LibC.getuid();

    public static uint getgid() => LibC.getgid();

    public static int setsid() => LibC.setsid();

    /// <summary>glibc 2.36 wraps pidfd_open but Tmds.LibC 0.5.0 does not: through its syscall(2).</summary>
    public static int pidfd_open(int pid) => (int)Libc.syscall(SyscallNumbers.pidfd_open, pid, 0, 0, 0, 0);

    public static short POLLIN => LibC.POLLIN;
    public static short POLLHUP => LibC.POLLHUP;
    public static short POLLERR => LibC.POLLERR;
    /// <summary>POLLIN | POLLHUP | POLLERR: data to read, or the other end gone.</summary>
    public static short PollReadOrClosed => (short)((ushort)LibC.POLLIN | (ushort)LibC.POLLHUP | (ushort)LibC.POLLERR);

    public static int poll(pollfd* fds, nuint nfds, int timeout) => LibC.poll(fds, (ulong_t)(ulong)nfds, timeout);

    public static int execve(string path, nint* argv, nint* envp)
    {
        fixed (byte* p = Utf8Z.Of(path)) return LibC.execve(p, (byte**)argv, (byte**)envp);
    }

    /// <summary>Own binding: Tmds.LibC 0.5.0 has no prctl.</summary>
    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    /// <summary>linux/prctl.h, which Tmds.LibC does not carry.</summary>
    public const int PR_SET_PDEATHSIG = 1, PR_SET_DUMPABLE = 4, PR_SET_KEEPCAPS = 8, PR_CAPBSET_DROP = 24,
        PR_SET_CHILD_SUBREAPER = 36, PR_SET_NO_NEW_PRIVS = 38, PR_CAP_AMBIENT = 47,
        PR_CAP_AMBIENT_RAISE = 2, PR_CAP_AMBIENT_CLEAR_ALL = 4;

    /// <summary>struct rlimit (two rlim_t, 64 bits on every 64-bit Linux): Tmds.LibC 0.5.0 has none.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct RLimit
    {
        public ulong cur, max;
    }

    /// <summary>Own binding: Tmds.LibC 0.5.0 has no setrlimit.</summary>
    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int setrlimit(int resource, in RLimit limit);

    /// <summary>Own binding: Tmds.LibC 0.5.0 has no getrlimit.</summary>
    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int getrlimit(int resource, out RLimit limit);

    public const int RLIMIT_NOFILE = 7;

    // The raw calls, not Tmds.LibC's setresuid/setgroups: glibc's wrappers change every thread of the
    // process, the init changes only the thread that calls execve.
    public static int setresuid(uint r, uint e, uint s) => (int)Libc.syscall(SyscallNumbers.setresuid, r, e, s, 0, 0);
    public static int setresgid(uint r, uint e, uint s) => (int)Libc.syscall(SyscallNumbers.setresgid, r, e, s, 0, 0);

    public static int setgroups(ReadOnlySpan<uint> groups)
    {
        fixed (uint* p = groups) return (int)Libc.syscall(SyscallNumbers.setgroups, groups.Length, (long)p, 0, 0, 0);
    }
}
