using System.Runtime.InteropServices;

namespace Rlrun.Runtime.Interop;

/// <summary>Errno values and libc basics shared by the other interop files.</summary>
public static partial class Libc
{
    public const string Name = "libc";

    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, EBADF = 9, ECHILD = 10,
        EAGAIN = 11, EACCES = 13, EBUSY = 16, EEXIST = 17, ENOTDIR = 20, EISDIR = 21, EINVAL = 22,
        ENOSPC = 28, EROFS = 30, EPIPE = 32, ENOSYS = 38, ELOOP = 40, EXDEV = 18;

    [LibraryImport(Name, EntryPoint = "strerror")]
    private static partial nint strerror(int errnum);

    public static string StrError(int errno) => Marshal.PtrToStringUTF8(strerror(errno)) ?? $"errno {errno}";

    public static int LastErrno => Marshal.GetLastPInvokeError();

    [LibraryImport(Name, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Name, SetLastError = true)]
    public static unsafe partial nint read(int fd, byte* buf, nint count);

    [LibraryImport(Name, SetLastError = true)]
    public static unsafe partial nint write(int fd, byte* buf, nint count);

    [LibraryImport(Name, SetLastError = true)]
    public static partial int fcntl(int fd, int cmd, int arg);

    public const int F_DUPFD_CLOEXEC = 1030, F_GETFD = 1, F_SETFD = 2, FD_CLOEXEC = 1,
        F_ADD_SEALS = 1033, F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4, F_SEAL_WRITE = 8;

    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags, int mode);

    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80, O_NOCTTY = 0x100,
        O_TRUNC = 0x200, O_NONBLOCK = 0x800, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000,
        O_CLOEXEC = 0x80000, O_PATH = 0x200000;

    [LibraryImport(Name, SetLastError = true)]
    public static partial long syscall(long number, long a1, long a2, long a3, long a4, long a5);

    public static void WriteAll(int fd, ReadOnlySpan<byte> data, string what)
    {
        while (data.Length > 0)
        {
            nint n;
            unsafe { fixed (byte* p = data) n = write(fd, p, data.Length); }
            if (n < 0)
            {
                if (LastErrno == EINTR) continue;
                throw new SyscallException("write", LastErrno, what);
            }
            data = data[(int)n..];
        }
    }

    /// <summary>Reads exactly buffer.Length bytes; false on a clean end of file before the first byte.</summary>
    public static bool ReadExact(int fd, Span<byte> buffer, string what)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            nint n;
            unsafe { fixed (byte* p = buffer) n = read(fd, p + done, buffer.Length - done); }
            if (n < 0)
            {
                if (LastErrno == EINTR) continue;
                throw new SyscallException("read", LastErrno, what);
            }
            if (n == 0)
            {
                if (done == 0) return false;
                throw new IOException($"read {what}: unexpected end of stream");
            }
            done += (int)n;
        }
        return true;
    }
}

public static partial class Libc
{
    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mkdir(string path, int mode);
}

public static partial class Libc
{
    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rmdir(string path);
}
