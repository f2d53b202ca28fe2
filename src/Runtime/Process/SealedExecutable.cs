using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Process;

/// <summary>A sealed memfd copy of our own binary, which is what enters the container: a process in
/// it cannot overwrite the host's rlrun through /proc/self/exe (CVE-2019-5736).</summary>
public static class SealedExecutable
{
    /// <summary>The binary copied: ours by default; rlrun-supervisor points it at rlrun, whose
    /// native stage the init needs.</summary>
    public static string SourcePath { get; set; } = "/proc/self/exe";

    static Thread? _prefetch;
    static int _prefetched = -1;
    static Exception? _prefetchError;

    /// <summary>Starts the copy on another thread: it is kernel work (sendfile) that can overlap
    /// with reading and checking config.json on this one. Take collects it.</summary>
    static readonly Lock Gate = new();

    public static void Prefetch()
    {
        lock (Gate) StartPrefetch();
    }

    static void StartPrefetch()
    {
        if (_prefetch is not null) return;
        _prefetch = new Thread(() =>
        {
            try { _prefetched = Create(); }
            catch (Exception e) { _prefetchError = e; }
        }) { IsBackground = true, Name = "sealed exe copy" };
        _prefetch.Start();
    }

    /// <summary>The prefetched copy (made now if none was started); the caller owns the fd.</summary>
    public static int Take()
    {
        Thread? pending;
        lock (Gate)
        {
            pending = _prefetch;
            _prefetch = null;
        }
        if (pending is null) return Create();
        pending.Join();
        lock (Gate)
        {
            if (_prefetchError is { } e) { _prefetchError = null; throw e; }
            int fd = _prefetched;
            _prefetched = -1;
            return fd;
        }
    }

    public static int Create()
    {
        int src = SyscallException.Check(Libc.open(SourcePath, Libc.O_RDONLY | Libc.O_CLOEXEC, 0), "open", SourcePath);
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
