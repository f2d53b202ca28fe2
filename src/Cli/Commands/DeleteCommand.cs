using Rlrun.Runtime.Container;

namespace Rlrun.Cli.Commands;

/// <summary>`delete [--force] ID`.</summary>
public sealed class DeleteCommand : ICommand
{
    public string Name => "delete";
    public string Usage => "[--force] <container-id>";
    public string Summary => "delete a container (--force kills a running one first)";
    public IReadOnlyList<Flag> Flags { get; } = [new(["force", "f"], false, "kill the container first if it runs")];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        new ContainerDelete(ctx.Store, ctx.Log.Warn).Delete(CommandArgs.SingleId(args, Name), args.Bool("force"));
        return 0;
    }
}
