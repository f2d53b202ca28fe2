using Rlrun.Runtime.Interop;

namespace Rlrun.Images.Store;

/// <summary>Whole-file writes that a crash never leaves half done: a temp file in the same directory,
/// fsync, rename over the target, fsync of the directory (so the rename itself survives a power cut).</summary>
public static class AtomicFile
{
    public const string TempPrefix = ".tmp-";

    public static void Write(string path, ReadOnlySpan<byte> data, int mode = 0x1a4)
    {
        string dir = Path.GetDirectoryName(path)!;
        string tmp = Path.Join(dir, $"{TempPrefix}{Path.GetFileName(path)}-{Guid.NewGuid():N}");
        int fd = Libc.open(tmp, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC, mode);
        if (fd < 0) throw new SyscallException("open", Libc.LastErrno, tmp);
        try
        {
            try
            {
                Libc.WriteAll(fd, data, tmp);
                SyscallException.Check(FileCalls.fsync(fd), "fsync", tmp);
            }
            finally { Libc.close(fd); }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
        SyncDirectory(dir);
    }

    public static void SyncDirectory(string dir)
    {
        int fd = Libc.open(dir, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0) throw new SyscallException("open", Libc.LastErrno, dir);
        try { FileCalls.fsync(fd); }
        finally { Libc.close(fd); }
    }

    public static void SyncFile(string path)
    {
        int fd = Libc.open(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0) throw new SyscallException("open", Libc.LastErrno, path);
        try { SyscallException.Check(FileCalls.fsync(fd), "fsync", path); }
        finally { Libc.close(fd); }
    }
}
