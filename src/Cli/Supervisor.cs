using Rlrun.Runtime.Container;
using Rlrun.Runtime.Interop;

namespace Rlrun.Cli;

/// <summary>Hands a supervised run to rlrun-supervisor (installed beside rlrun), which hosts the
/// actor system: rlrun itself stays small, since every OCI call and container init pays for its size.</summary>
static class Supervisor
{
    public static string PathOf() =>
        Environment.GetEnvironmentVariable("RLRUN_SUPERVISOR")
        ?? Path.Join(Path.GetDirectoryName(Environment.ProcessPath ?? "/proc/self/exe") ?? ".", "rlrun-supervisor");

    public static int Exec(CommandContext ctx, CreateOptions o, string policy, bool detach)
    {
        if (detach)
            throw new NotSupportedException("run -d --restart needs the per-user daemon (rlrun daemon), which is not there yet: run it in the foreground (e.g. as a systemd user service)");
        if (o.ConsoleSocket is not null || o.PreserveFds > 0)
            throw new NotSupportedException("run --restart: --console-socket and --preserve-fds cannot be handed to a restarted container");
        string path = PathOf();
        if (FileCalls.access(path, FileCalls.X_OK) != 0)
            throw new FileNotFoundException($"run --restart needs {path} (installed beside rlrun by make install)");
        var s = ctx.Settings;
        var argv = new List<string>
        {
            path, "run", "--root", ctx.Root, "--cgroup-manager", ctx.CgroupManager, "--restart", policy,
            "--restart-delay", s.RestartInitialDelay.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--restart-max-delay", s.RestartMaxDelay.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--restart-reset-after", s.RestartResetAfter.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bundle", Path.GetFullPath(o.Bundle),
        };
        if (o.PidFile is { } pid) { argv.Add("--pid-file"); argv.Add(Path.GetFullPath(pid)); }
        if (o.NoPivot) argv.Add("--no-pivot");
        if (o.Debug) argv.Add("--debug");
        argv.Add(o.Id);
        var env = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Where(e => (string)e.Key != "RLRUN_EXE").Select(e => $"{e.Key}={e.Value}").ToList();
        env.Add($"RLRUN_EXE={Environment.ProcessPath}");
        using var a = new NativeStringArray(argv);
        using var e = new NativeStringArray(env);
        unsafe { ProcessCalls.execve(path, a.Pointer, e.Pointer); }
        throw new SyscallException("exec", Libc.LastErrno, path);
    }
}
