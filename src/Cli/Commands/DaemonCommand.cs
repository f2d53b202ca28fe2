namespace Rlrun.Cli.Commands;

/// <summary>`daemon`: the per-user supervisor of this state root, in the foreground (a user unit's
/// ExecStart, or by hand); `daemon --ping` asks whether one answers, without starting one.</summary>
public sealed class DaemonCommand : ICommand
{
    public string Name => "daemon";
    public string Usage => "[--ping]";
    public string Summary => "run the per-user supervisor for detached containers with a restart policy";
    public IReadOnlyList<Flag> Flags { get; } = [new(["ping"], false, "print the running daemon's pid and exit (1 when none answers)")];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        if (args.Positional.Count > 0) throw new UsageException($"daemon takes no arguments, got \"{args.Positional[0]}\"");
        if (!args.Bool("ping")) return Supervisor.ExecDaemon(ctx);
        Runtime.Daemon.DaemonResponse r;
        try { r = DaemonClient.Call(ctx, new Runtime.Daemon.DaemonRequest { Op = "ping" }, startIfNeeded: false); }
        catch (IOException e)
        {
            ctx.Log.Error($"daemon: {e.Message}");
            return 1;
        }
        if (!r.Ok || r.Daemon is not { } d) throw new DaemonException(r.Error ?? "no answer");
        Console.WriteLine($"rlrun daemon {d.Version}, pid {d.Pid}, root {d.Root}, {d.Containers} container(s)");
        return 0;
    }
}
