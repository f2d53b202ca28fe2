using Rlrun.Runtime.Container;

namespace Rlrun.Cli.Commands;

/// <summary>`start ID`: the created container's process runs. A supervised container (run -d
/// --restart) is started again by its daemon, from stopped, with its restart count reset.</summary>
public sealed class StartCommand : ICommand
{
    public string Name => "start";
    public string Usage => "<container-id>";
    public string Summary => "start a created container";
    public IReadOnlyList<Flag> Flags { get; } = [];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        string id = CommandArgs.SingleId(args, Name);
        if (Runtime.Daemon.DaemonPaths.IsSupervised(ctx.Root, id))
        {
            DaemonClient.Must(ctx, new Runtime.Daemon.DaemonRequest { Op = "start", Id = id });
            return 0;
        }
        new ContainerStart(ctx.Store, ctx.Log.Warn).Start(id);
        return 0;
    }
}
