using Rlrun.Runtime.Interop;

namespace Rlrun.Cli;

/// <summary>The binaries installed beside rlrun (rlrun-supervisor, rlrun-full): where one is, and
/// becoming it (execve: same PID, so a caller's wait, pid file or LISTEN_PID still hold).</summary>
static class BesideRlrun
{
    /// <summary>$overrideVariable when set (tests, a relocated install), else fileName beside this rlrun.</summary>
    public static string PathOf(string fileName, string overrideVariable) =>
        Environment.GetEnvironmentVariable(overrideVariable)
        ?? Path.Join(Path.GetDirectoryName(Environment.ProcessPath ?? "/proc/self/exe") ?? ".", fileName);

    public static bool IsExecutable(string path) => FileCalls.access(path, FileCalls.X_OK) == 0;

    /// <summary>Becomes path with argv (path first) and env; returns only by throwing.</summary>
    public static int Exec(string path, IEnumerable<string> args, List<string> env)
    {
        using var a = new NativeStringArray([path, .. args]);
        using var e = new NativeStringArray(env);
        unsafe { ProcessCalls.execve(path, a.Pointer, e.Pointer); }
        throw new SyscallException("exec", Libc.LastErrno, path);
    }
}
