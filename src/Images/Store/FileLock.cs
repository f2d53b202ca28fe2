using Rlrun.Runtime.Interop;

namespace Rlrun.Images.Store;

/// <summary>An flock(2) on a lock file, held until disposed. The kernel drops it when the holder dies
/// (kill -9 included), which is what lets the next process tell a leftover from work in progress.</summary>
public sealed class FileLock : IDisposable
{
    int _fd;

    FileLock(int fd) => _fd = fd;

    /// <summary>The locked fd: a child given a copy holds the same lock (flock belongs to the open file).</summary>
    public int Fd => _fd;

    public static FileLock Exclusive(string path) => Take(path, FileCalls.LOCK_EX, wait: true)!;
    public static FileLock Shared(string path) => Take(path, FileCalls.LOCK_SH, wait: true)!;

    /// <summary>The lock, or null when another process holds it.</summary>
    public static FileLock? TryExclusive(string path) => Take(path, FileCalls.LOCK_EX, wait: false);

    static FileLock? Take(string path, int op, bool wait)
    {
        int fd = Libc.open(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, 0x180);
        if (fd < 0) throw new SyscallException("open", Libc.LastErrno, path);
        while (FileCalls.flock(fd, op | (wait ? 0 : FileCalls.LOCK_NB)) < 0)
        {
            int err = Libc.LastErrno;
            if (err == Libc.EINTR) continue;
            Libc.close(fd);
            if (!wait && err == 11 /* EWOULDBLOCK */) return null;
            throw new SyscallException("flock", err, path);
        }
        return new FileLock(fd);
    }

    public void Dispose()
    {
        if (_fd >= 0) Libc.close(_fd);
        _fd = -1;
    }
}
