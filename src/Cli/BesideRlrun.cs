using Rlrun.Runtime.Interop;

namespace Rlrun.Cli;

/// <summary>The binaries installed beside rlrun (rlrun-supervisor, rlrun-full): where one is, and
/// becoming it (execve: same PID, so a caller's wait, pid file or LISTEN_PID still hold).</summary>
static class BesideRlrun
{
    /// <summary>$overrideVariable when set and not empty (tests, a relocated install), else fileName
    /// beside this rlrun. An empty one is unset, as a shell's `RLRUN_FULL= rlrun pull` means.</summary>
    public static string PathOf(string fileName, string overrideVariable) =>
        (Environment.GetEnvironmentVariable(overrideVariable) is { Length: > 0 } path ? path : null)
        ?? Path.Join(Path.GetDirectoryName(Environment.ProcessPath ?? "/proc/self/exe") ?? ".", fileName);

    public static bool IsExecutable(string path) => FileCalls.access(path, FileCalls.X_OK) == 0;

    /// <summary>Why path cannot be run: "is not installed", or, for a file that is there, "is not executable".</summary>
    public static string WhyNot(string path) => File.Exists(path) ? "is not executable" : "is not installed";

    /// <summary>Becomes path with argv (path first) and env; returns only by throwing.</summary>
    public static int Exec(string path, IEnumerable<string> args, List<string> env)
    {
        using var a = new NativeStringArray([path, .. args]);
        using var e = new NativeStringArray(env);
        unsafe { ProcessCalls.execve(path, a.Pointer, e.Pointer); }
        throw new SyscallException("exec", Libc.LastErrno, path);
    }
}
