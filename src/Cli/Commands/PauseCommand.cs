using Rlrun.Runtime.Container;

namespace Rlrun.Cli.Commands;

/// <summary>`pause ID` and `resume ID`: freeze and thaw every process of the container.</summary>
public sealed class PauseCommand(bool pause) : ICommand
{
    public string Name => pause ? "pause" : "resume";
    public string Usage => "<container-id>";
    public string Summary => pause ? "suspend all processes of a container" : "resume all processes of a paused container";
    public IReadOnlyList<Flag> Flags { get; } = [];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        new ContainerPause(ctx.Store).SetPaused(CommandArgs.SingleId(args, Name), pause);
        return 0;
    }
}
