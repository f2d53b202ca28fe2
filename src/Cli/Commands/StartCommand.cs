using Rlrun.Runtime.Container;

namespace Rlrun.Cli.Commands;

/// <summary>`start ID`: the created container's process runs.</summary>
public sealed class StartCommand : ICommand
{
    public string Name => "start";
    public string Usage => "<container-id>";
    public string Summary => "start a created container";
    public IReadOnlyList<Flag> Flags { get; } = [];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        string id = CommandArgs.SingleId(args, Name);
        new ContainerStart(ctx.Store, ctx.Log.Warn).Start(id);
        return 0;
    }
}
