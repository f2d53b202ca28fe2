namespace Rlrun.Cli.Commands;

/// <summary>`checkpoint` and `restore`: rlrun has no CRIU integration; say so, as a clear failure.</summary>
public sealed class CheckpointCommand(string name) : ICommand
{
    public string Name => name;
    public string Usage => "<container-id>";
    public string Summary => $"{name} a container (not supported: rlrun has no CRIU integration)";
    public IReadOnlyList<Flag> Flags { get; } = [];

    public int Run(CommandContext ctx, ParsedArgs args) =>
        throw new NotSupportedException($"{name} is not supported by rlrun (no CRIU integration)");
}
