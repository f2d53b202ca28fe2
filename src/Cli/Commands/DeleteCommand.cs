using Rlrun.Runtime.Container;

namespace Rlrun.Cli.Commands;

/// <summary>`delete [--force] ID`. A supervised container is deleted by its daemon, which then
/// forgets it (deleted behind its back, it would be restarted) and removes its logs. When no
/// daemon can be had (rlrun-supervisor missing, say), the delete is done here, with a warning.</summary>
public sealed class DeleteCommand : ICommand
{
    public string Name => "delete";
    public string Usage => "[--force] <container-id>";
    public string Summary => "delete a container (--force kills a running one first)";
    public IReadOnlyList<Flag> Flags { get; } = [new(["force", "f"], false, "kill the container first if it runs")];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        string id = CommandArgs.SingleId(args, Name);
        if (Runtime.Daemon.DaemonPaths.IsSupervised(ctx.Root, id))
        {
            try
            {
                DaemonClient.Must(ctx, new Runtime.Daemon.DaemonRequest { Op = "delete", Id = id, Force = args.Bool("force") });
                return 0;
            }
            catch (IOException e)
            {
                ctx.Log.Warn($"{e.Message}: deleting {id} without the daemon");
                new ContainerDelete(ctx.Store, ctx.Log.Warn).Delete(id, args.Bool("force"));
                Runtime.Daemon.DaemonPaths.Forget(ctx.Root, id);
                return 0;
            }
        }
        new ContainerDelete(ctx.Store, ctx.Log.Warn).Delete(id, args.Bool("force"));
        return 0;
    }
}
