using Rlrun.Runtime.State;

namespace Rlrun.Cli;

/// <summary>What every subcommand gets: the global options, parsed.</summary>
public sealed class CommandContext(string root, RuntimeLog log)
{
    public string Root { get; } = root;
    public RuntimeLog Log { get; } = log;
    public StateStore Store { get; } = new(root);
}

/// <summary>One subcommand: its flags, its usage line, and what it does (src/Cli/Commands/).</summary>
public interface ICommand
{
    string Name { get; }
    string Usage { get; }
    string Summary { get; }
    IReadOnlyList<Flag> Flags { get; }
    int Run(CommandContext ctx, ParsedArgs args);
}
