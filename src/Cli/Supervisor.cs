using Rlrun.Runtime.Container;

namespace Rlrun.Cli;

/// <summary>Hands a supervised run to rlrun-supervisor (installed beside rlrun), which hosts the
/// actor system: rlrun itself stays small, since every OCI call and container init pays for its size.</summary>
static class Supervisor
{
    public static string PathOf() => BesideRlrun.PathOf("rlrun-supervisor", "RLRUN_SUPERVISOR");

    /// <summary>Our environment for rlrun-supervisor, with RLRUN_EXE: the rlrun its containers run a copy of.</summary>
    public static List<string> ChildEnvironment()
    {
        var env = Runtime.Process.EnvironmentEntries.Current();
        env.RemoveAll(e => e.StartsWith("RLRUN_EXE=", StringComparison.Ordinal));
        env.Add($"RLRUN_EXE={System.Environment.ProcessPath}");
        return env;
    }

    /// <summary>`rlrun daemon`: becomes rlrun-supervisor daemon (same PID: LISTEN_PID stays true).</summary>
    public static int ExecDaemon(CommandContext ctx) => ExecSupervisor([.. DaemonClient.DaemonArgv(ctx)]);

    /// <param name="remove">run -d --rm: the daemon deletes the container once it has stopped</param>
    public static int Exec(CommandContext ctx, CreateOptions o, string policy, bool detach, bool remove = false)
    {
        if (detach) return RunDetached(ctx, o, policy, remove);
        if (o.ConsoleSocket is not null || o.PreserveFds > 0)
            throw new NotSupportedException("run --restart: --console-socket and --preserve-fds cannot be handed to a restarted container");
        var s = ctx.Settings;
        var argv = new List<string>
        {
            "run", "--root", ctx.Root, "--cgroup-manager", ctx.CgroupManager, "--restart", policy,
            "--restart-delay", s.RestartInitialDelay.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--restart-max-delay", s.RestartMaxDelay.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--restart-reset-after", s.RestartResetAfter.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bundle", Path.GetFullPath(o.Bundle),
        };
        if (o.PidFile is { } pid) { argv.Add("--pid-file"); argv.Add(Path.GetFullPath(pid)); }
        if (o.NoPivot) argv.Add("--no-pivot");
        if (o.Debug) argv.Add("--debug");
        if (o.Network is { } net) argv.AddRange(Runtime.Network.NetworkArgs.From(net).ToFlags());
        argv.Add(o.Id);
        return ExecSupervisor(argv);
    }

    /// <summary>run -d --restart: the daemon supervises it (started on demand).</summary>
    static int RunDetached(CommandContext ctx, CreateOptions o, string policy, bool remove)
    {
        if (o.ConsoleSocket is not null || o.PreserveFds > 0)
            throw new NotSupportedException("run -d --restart: --console-socket and --preserve-fds cannot be handed to a restarted container");
        var s = ctx.Settings;
        DaemonClient.Must(ctx, new Runtime.Daemon.DaemonRequest
        {
            Op = "run", Id = o.Id, Bundle = Path.GetFullPath(o.Bundle), Restart = policy, CgroupManager = ctx.CgroupManager,
            PidFile = o.PidFile is { } p ? Path.GetFullPath(p) : null, NoPivot = o.NoPivot, Debug = o.Debug,
            RestartDelayMs = s.RestartInitialDelay.TotalMilliseconds, RestartMaxDelayMs = s.RestartMaxDelay.TotalMilliseconds,
            RestartResetAfterMs = s.RestartResetAfter.TotalMilliseconds,
            Network = o.Network is { } net ? Runtime.Network.NetworkArgs.From(net) : null, Remove = remove,
        });
        return 0;
    }

    static int ExecSupervisor(List<string> args)
    {
        string path = PathOf();
        if (!BesideRlrun.IsExecutable(path))
            throw new FileNotFoundException($"{args[0]} needs {path} (installed beside rlrun by make install)");
        return BesideRlrun.Exec(path, args, ChildEnvironment());
    }
}
