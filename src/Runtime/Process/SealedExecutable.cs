using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Process;

/// <summary>A sealed memfd copy of our own binary, which is what enters the container: a process in
/// it cannot overwrite the host's rlrun through /proc/self/exe (CVE-2019-5736).</summary>
public static class SealedExecutable
{
    /// <summary>The binary copied: ours by default; rlrun-supervisor points it at rlrun, whose
    /// native stage the init needs.</summary>
    public static string SourcePath { get; set; } = "/proc/self/exe";

    const string InitBinary = "rlrun-init";
    static string? _initSourcePath;

    /// <summary>The binary whose copy becomes the container's init: rlrun-init beside the binary
    /// SourcePath names, else that binary itself (rlrun holds the init as well). rlrun-init holds
    /// only the native stage and the init: a fraction of rlrun to copy, and a quicker start.</summary>
    public static string InitSourcePath
    {
        get => _initSourcePath ??= FindInit();
        set => _initSourcePath = value;
    }

    static string FindInit()
    {
        string? exe = SourcePath == "/proc/self/exe" ? Environment.ProcessPath : SourcePath;
        if (Path.GetDirectoryName(exe) is { Length: > 0 } dir)
        {
            string candidate = Path.Join(dir, InitBinary);
            if (FileCalls.access(candidate, FileCalls.X_OK) == 0) return candidate;
        }
        return SourcePath;
    }

    /// <summary>A copy being made on another thread; its own result, so concurrent creates (the
    /// daemon) never take each other's copy.</summary>
    sealed class Job
    {
        public readonly Thread Thread;
        public int Fd = -1;
        public Exception? Error;

        public Job()
        {
            Thread = new Thread(() =>
            {
                try { Fd = Create(); }
                catch (Exception e) { Error = e; }
            }) { IsBackground = true, Name = "sealed exe copy" };
            Thread.Start();
        }
    }

    static readonly Lock Gate = new();
    static Job? _prefetch;
    static int _kept = -1;

    /// <summary>Starts the copy on another thread: it is kernel work (sendfile) that can overlap
    /// with reading and checking config.json on this one. Take collects it.</summary>
    public static void Prefetch()
    {
        lock (Gate)
        {
            if (_kept < 0) _prefetch ??= new Job();
        }
    }

    /// <summary>For a process that starts many containers (the daemon): one copy, made now and kept;
    /// each Take is a dup of it. Sharing is safe: the seals forbid any write, for good.</summary>
    public static void Keep()
    {
        lock (Gate)
        {
            if (_kept < 0) _kept = Create();
        }
    }

    /// <summary>The prefetched (or kept) copy, made now if there is none; the caller owns the fd.</summary>
    public static int Take()
    {
        Job? job;
        lock (Gate)
        {
            if (_kept >= 0) return SyscallException.Check(Libc.fcntl(_kept, Libc.F_DUPFD_CLOEXEC, 3), "fcntl(F_DUPFD)", "the kept sealed copy of rlrun");
            job = _prefetch;
            _prefetch = null;
        }
        if (job is null) return Create();
        job.Thread.Join();
        if (job.Error is { } e) throw e;
        return job.Fd;
    }

    public static int Create()
    {
        string source = InitSourcePath;
        int src = SyscallException.Check(Libc.open(source, Libc.O_RDONLY | Libc.O_CLOEXEC, 0), "open", source);
        try
        {
            int memfd = SyscallException.Check(FileCalls.memfd_create("rlrun", FileCalls.MFD_CLOEXEC | FileCalls.MFD_ALLOW_SEALING), "memfd_create");
            try
            {
                while (true)
                {
                    nint n = FileCalls.sendfile(memfd, src, 0, 1 << 30);
                    if (n < 0 && Libc.LastErrno == Libc.EINTR) continue;
                    SyscallException.Check((long)n, "sendfile", $"{source} to memfd");
                    if (n == 0) break;
                }
                int seals = Libc.F_SEAL_SEAL | Libc.F_SEAL_SHRINK | Libc.F_SEAL_GROW | Libc.F_SEAL_WRITE;
                // F_SEAL_WRITE fails with EBUSY while a page of the copy still has an extra
                // reference, e.g. in another CPU's LRU batch that the kernel's own wait did not
                // drain (seen about once in 250 runs): the reference goes soon, so try again.
                for (int attempt = 1; Libc.fcntl(memfd, Libc.F_ADD_SEALS, seals) < 0; attempt++)
                {
                    if (Libc.LastErrno != Libc.EBUSY || attempt == 20) SyscallException.Check(-1, "fcntl(F_ADD_SEALS)", "memfd");
                    Thread.Sleep(1);
                }
                return memfd;
            }
            catch { Libc.close(memfd); throw; }
        }
        finally { Libc.close(src); }
    }
}
