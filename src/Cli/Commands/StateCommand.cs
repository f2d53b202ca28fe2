using System.Text.Json;
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
        var state = new ContainerQuery(ctx.Store).State(CommandArgs.SingleId(args, Name));
        Console.WriteLine(JsonSerializer.Serialize(state, StateJsonContext.Default.ContainerState));
        return 0;
    }
}
