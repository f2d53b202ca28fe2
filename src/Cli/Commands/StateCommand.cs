using Rlrun.Runtime.Container;
using Rlrun.Runtime.State;

namespace Rlrun.Cli.Commands;

/// <summary>`state ID`: the OCI state as indented JSON.</summary>
public sealed class StateCommand : ICommand
{
    public string Name => "state";
    public string Usage => "<container-id>";
    public string Summary => "output the state of a container";
    public IReadOnlyList<Flag> Flags { get; } = [];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        string id = CommandArgs.SingleId(args, Name);
        DaemonClient.Revive(ctx, id);
        var state = new ContainerQuery(ctx.Store).State(id);
        Console.WriteLine(System.Text.Encoding.UTF8.GetString(StateJson.Serialize(state)));
        return 0;
    }
}
