using System.Runtime.InteropServices;

namespace Rlrun.Runtime.Interop;

public static partial class ProcessCalls
{
    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int kill(int pid, int sig);

    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int waitpid(int pid, out int status, int options);

    public const int WNOHANG = 1;

    public static bool WIfExited(int status) => (status & 0x7f) == 0;
    public static int WExitStatus(int status) => (status >> 8) & 0xff;
    public static bool WIfSignaled(int status) => ((status & 0x7f) + 1) >> 1 > 0 && (status & 0x7f) != 0x7f;
    public static int WTermSig(int status) => status & 0x7f;

    /// <summary>The shell's convention: the exit code, or 128+N when killed by signal N.</summary>
    public static int ExitCodeOf(int status) =>
        WIfExited(status) ? WExitStatus(status) : WIfSignaled(status) ? 128 + WTermSig(status) : 255;

    [LibraryImport(Libc.Name)]
    public static partial int getpid();

    [LibraryImport(Libc.Name)]
    public static partial uint geteuid();

    [LibraryImport(Libc.Name)]
    public static partial uint getegid();

    [LibraryImport(Libc.Name)]
    public static partial uint getuid();

    [LibraryImport(Libc.Name)]
    public static partial uint getgid();

    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int setsid();

    public static int pidfd_open(int pid) => (int)Libc.syscall(SyscallNumbers.pidfd_open, pid, 0, 0, 0, 0);

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int fd;
        public short events, revents;
    }

    public const short POLLIN = 1, POLLHUP = 0x10, POLLERR = 8;

    [LibraryImport(Libc.Name, SetLastError = true)]
    public static unsafe partial int poll(PollFd* fds, nuint nfds, int timeout);

    [LibraryImport(Libc.Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int execve(string path, nint* argv, nint* envp);

    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    public const int PR_SET_PDEATHSIG = 1, PR_SET_DUMPABLE = 4, PR_SET_KEEPCAPS = 8, PR_CAPBSET_DROP = 24,
        PR_SET_CHILD_SUBREAPER = 36, PR_SET_NO_NEW_PRIVS = 38, PR_CAP_AMBIENT = 47,
        PR_CAP_AMBIENT_RAISE = 2, PR_CAP_AMBIENT_CLEAR_ALL = 4;

    [StructLayout(LayoutKind.Sequential)]
    public struct RLimit
    {
        public ulong cur, max;
    }

    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int setrlimit(int resource, in RLimit limit);

    [LibraryImport(Libc.Name, SetLastError = true)]
    public static partial int getrlimit(int resource, out RLimit limit);

    public const int RLIMIT_NOFILE = 7;

    public static int setresuid(uint r, uint e, uint s) => (int)Libc.syscall(SyscallNumbers.setresuid, r, e, s, 0, 0);
    public static int setresgid(uint r, uint e, uint s) => (int)Libc.syscall(SyscallNumbers.setresgid, r, e, s, 0, 0);

    public static unsafe int setgroups(ReadOnlySpan<uint> groups)
    {
        fixed (uint* p = groups) return (int)Libc.syscall(SyscallNumbers.setgroups, groups.Length, (long)p, 0, 0, 0);
    }
}
