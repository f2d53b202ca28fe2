using Rlrun.Runtime.Container;
using Rlrun.Runtime.State;

namespace Rlrun.Cli.Commands;

/// <summary>`delete [--force] ID`. A supervised container is deleted by its daemon, which then
/// forgets it (deleted behind its back, it would be restarted) and removes its logs. When no
/// daemon can be had (rlrun-supervisor missing, say), the delete is done here, with a warning.
/// A container made from an image also loses its writable layer (ImageContainerCleanup).</summary>
public sealed class DeleteCommand : ICommand
{
    public string Name => "delete";
    public string Usage => "[--force] [--keep-storage] <container-id>";
    public string Summary => "delete a container (--force kills a running one first)";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        new(["force", "f"], false, "kill the container first if it runs"),
        new(["keep-storage"], false, "an image container: keep its writable layer (a generated unit deletes between runs)"),
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        string id = CommandArgs.SingleId(args, Name);
        Runtime.State.ContainerId.Validate(id);
        string? bundle = ImageContainerCleanup.BundleOf(ctx, id);
        try { DeleteContainer(ctx, id, args.Bool("force")); }
        // An image container whose state is gone (a reboot) still has its layer to remove.
        catch (ContainerNotFoundException) when (!args.Bool("keep-storage") && ImageContainerCleanup.Remove(ctx, bundle)) { return 0; }
        if (!args.Bool("keep-storage")) ImageContainerCleanup.Remove(ctx, bundle);
        return 0;
    }

    static void DeleteContainer(CommandContext ctx, string id, bool force)
    {
        if (Runtime.Daemon.DaemonPaths.IsSupervised(ctx.Root, id))
        {
            try
            {
                DaemonClient.Must(ctx, new Runtime.Daemon.DaemonRequest { Op = "delete", Id = id, Force = force });
                return;
            }
            catch (IOException e)
            {
                ctx.Log.Warn($"{e.Message}: deleting {id} without the daemon");
                new ContainerDelete(ctx.Store, ctx.Log.Warn).Delete(id, force);
                Runtime.Daemon.DaemonPaths.Forget(ctx.Root, id);
                return;
            }
        }
        new ContainerDelete(ctx.Store, ctx.Log.Warn).Delete(id, force);
    }
}
