using Rlrun.Cli.Docs;

namespace Rlrun.Cli.Commands;

/// <summary>`completion bash|zsh|fish`: the shell's completion script, from the command table (as
/// `podman completion`). The package installs all three; by hand:
/// `source &lt;(rlrun completion bash)`.</summary>
public sealed class CompletionCommand : ICommand
{
    public string Name => "completion";
    public string Usage => "bash|zsh|fish";
    public string Summary => "print the shell completion script for bash, zsh or fish";
    public IReadOnlyList<Flag> Flags { get; } = [];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        if (args.Positional is not [var shell]) throw new UsageException("usage: rlrun completion bash|zsh|fish");
        var all = CommandDoc.All();
        Console.Write(shell switch
        {
            "bash" => BashCompletion.Script(all),
            "zsh" => ZshCompletion.Script(all),
            "fish" => FishCompletion.Script(all),
            _ => throw new UsageException($"unknown shell \"{shell}\": bash, zsh or fish"),
        });
        return 0;
    }
}
