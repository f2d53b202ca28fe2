using System.Runtime.InteropServices;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Rlrun.Runtime.Interop;

/// <summary>Errno values and libc basics shared by the other interop files: thin wrappers over
/// Tmds.LibC (its per-architecture builds give the right values and layouts), with the names and
/// string parameters the rest of rlrun calls them by.</summary>
public static partial class Libc
{
    /// <summary>The library name of the project's own LibraryImports, for what Tmds.LibC lacks.</summary>
    public const string Name = "libc";

    // Tmds.LibC's constants are properties, not const: compare with ==, not in patterns.
    public static int EPERM => LibC.EPERM;
    public static int ENOENT => LibC.ENOENT;
    public static int ESRCH => LibC.ESRCH;
    public static int EINTR => LibC.EINTR;
    public static int EIO => LibC.EIO;
    public static int EBADF => LibC.EBADF;
    public static int ECHILD => LibC.ECHILD;
    public static int EAGAIN => LibC.EAGAIN;
    public static int EACCES => LibC.EACCES;
    public static int EBUSY => LibC.EBUSY;
    public static int EEXIST => LibC.EEXIST;
    public static int ENOTDIR => LibC.ENOTDIR;
    public static int EISDIR => LibC.EISDIR;
    public static int EINVAL => LibC.EINVAL;
    public static int ENOSPC => LibC.ENOSPC;
    public static int EROFS => LibC.EROFS;
    public static int EPIPE => LibC.EPIPE;
    public static int ENOSYS => LibC.ENOSYS;
    public static int ELOOP => LibC.ELOOP;
    public static int EXDEV => LibC.EXDEV;

    /// <summary>strerror through strerror_r (Tmds.LibC binds only that one): the message of errno.</summary>
    public static unsafe string StrError(int errno)
    {
        byte* buf = stackalloc byte[256];
        // Tmds.LibC's strerror_r is the XSI one: it fills buf and returns 0.
        if (strerror_r(errno, buf, 256) != 0) return $"errno {errno}";
        return Marshal.PtrToStringUTF8((nint)buf) ?? $"errno {errno}";
    }

    public static int LastErrno => Marshal.GetLastPInvokeError();

    public static int close(int fd) => LibC.close(fd);

    public static unsafe nint read(int fd, byte* buf, nint count) => (nint)(long)LibC.read(fd, buf, (size_t)(ulong)count);

    public static unsafe nint write(int fd, byte* buf, nint count) => (nint)(long)LibC.write(fd, buf, (size_t)(ulong)count);

    public static int fcntl(int fd, int cmd, int arg) => LibC.fcntl(fd, cmd, arg);

    public static int F_DUPFD_CLOEXEC => LibC.F_DUPFD_CLOEXEC;
    public static int F_GETFD => LibC.F_GETFD;
    public static int F_SETFD => LibC.F_SETFD;
    public static int F_GETFL => LibC.F_GETFL;
    public static int FD_CLOEXEC => LibC.FD_CLOEXEC;
    public static int F_ADD_SEALS => LibC.F_ADD_SEALS;
    public static int F_SEAL_SEAL => LibC.F_SEAL_SEAL;
    public static int F_SEAL_SHRINK => LibC.F_SEAL_SHRINK;
    public static int F_SEAL_GROW => LibC.F_SEAL_GROW;
    public static int F_SEAL_WRITE => LibC.F_SEAL_WRITE;

    public static unsafe int open(string path, int flags, int mode)
    {
        fixed (byte* p = Utf8Z.Of(path)) return LibC.open(p, flags, (ushort)mode);
    }

    public static int O_RDONLY => LibC.O_RDONLY;
    public static int O_WRONLY => LibC.O_WRONLY;
    public static int O_RDWR => LibC.O_RDWR;
    public static int O_CREAT => LibC.O_CREAT;
    public static int O_EXCL => LibC.O_EXCL;
    public static int O_NOCTTY => LibC.O_NOCTTY;
    public static int O_TRUNC => LibC.O_TRUNC;
    public static int O_NONBLOCK => LibC.O_NONBLOCK;
    public static int O_DIRECTORY => LibC.O_DIRECTORY;
    public static int O_NOFOLLOW => LibC.O_NOFOLLOW;
    public static int O_CLOEXEC => LibC.O_CLOEXEC;
    public static int O_PATH => LibC.O_PATH;

    /// <summary>syscall(2) through Tmds.LibC, for the calls glibc does not wrap (numbers: SyscallNumbers).</summary>
    public static long syscall(long number, long a1, long a2, long a3, long a4, long a5) =>
        (ssize_t)LibC.syscall(Arg(number), Arg(a1), Arg(a2), Arg(a3), Arg(a4), Arg(a5));

    static syscall_arg Arg(long value) => (ssize_t)value;

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
    public static unsafe int mkdir(string path, int mode)
    {
        fixed (byte* p = Utf8Z.Of(path)) return LibC.mkdir(p, (ushort)mode);
    }
}

public static partial class Libc
{
    public static unsafe int rmdir(string path)
    {
        fixed (byte* p = Utf8Z.Of(path)) return LibC.rmdir(p);
    }
}
