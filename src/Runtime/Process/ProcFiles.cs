using System.Text;
using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Process;

/// <summary>Writes to /proc only after checking the open file is on a real procfs: a container
/// mount over /proc must not redirect the init's writes (CVE-2019-16884 family).</summary>
public static class ProcFiles
{
    public static void Write(string path, string value)
    {
        int fd = Libc.open(path, Libc.O_WRONLY | Libc.O_CLOEXEC | Libc.O_NOFOLLOW | Libc.O_NOCTTY, 0);
        SyscallException.Check(fd, "open", path);
        try
        {
            SyscallException.Check(MountCalls.fstatfs(fd, out var st), "fstatfs", path);
            if (st.f_type != MountCalls.PROC_SUPER_MAGIC)
                throw new IOException($"{path} is not on procfs (f_type 0x{st.f_type:x}): refusing to write");
            Libc.WriteAll(fd, Encoding.UTF8.GetBytes(value), path);
        }
        finally { Libc.close(fd); }
    }

    /// <summary>linux.sysctl: namespaced keys only, written under /proc/sys.</summary>
    public static void WriteSysctl(string key, string value)
    {
        if (key.Contains("..") || key.Contains('/') && key.Contains('.'))
            throw new ArgumentException($"linux.sysctl: invalid key \"{key}\"");
        Write("/proc/sys/" + key.Replace('.', '/'), value);
    }
}
