using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Process;

/// <summary>A sealed memfd copy of our own binary, which is what enters the container: a process in
/// it cannot overwrite the host's rlrun through /proc/self/exe (CVE-2019-5736).</summary>
public static class SealedExecutable
{
    public static int Create()
    {
        int src = SyscallException.Check(Libc.open("/proc/self/exe", Libc.O_RDONLY | Libc.O_CLOEXEC, 0), "open", "/proc/self/exe");
        try
        {
            int memfd = SyscallException.Check(FileCalls.memfd_create("rlrun", FileCalls.MFD_CLOEXEC | FileCalls.MFD_ALLOW_SEALING), "memfd_create");
            try
            {
                while (true)
                {
                    nint n = FileCalls.sendfile(memfd, src, 0, 1 << 30);
                    if (n < 0 && Libc.LastErrno == Libc.EINTR) continue;
                    SyscallException.Check((long)n, "sendfile", "/proc/self/exe to memfd");
                    if (n == 0) break;
                }
                const int seals = Libc.F_SEAL_SEAL | Libc.F_SEAL_SHRINK | Libc.F_SEAL_GROW | Libc.F_SEAL_WRITE;
                SyscallException.Check(Libc.fcntl(memfd, Libc.F_ADD_SEALS, seals), "fcntl(F_ADD_SEALS)", "memfd");
                return memfd;
            }
            catch { Libc.close(memfd); throw; }
        }
        finally { Libc.close(src); }
    }
}
