using Rlrun.Runtime.Container;
using Rlrun.Runtime.Signals;

namespace Rlrun.Cli.Commands;

/// <summary>`kill [--all] ID [SIGNAL]`: SIGTERM unless a name or number is given.</summary>
public sealed class KillCommand : ICommand
{
    public string Name => "kill";
    public string Usage => "[--all] <container-id> [signal]";
    public string Summary => "send a signal to the container's init (or all its processes)";
    public IReadOnlyList<Flag> Flags { get; } = [new(["all", "a"], false, "signal every process of the container")];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        if (args.Positional.Count == 0) throw new UsageException("\"kill\" requires a container id");
        if (args.Positional.Count > 2) throw new UsageException($"unexpected argument \"{args.Positional[2]}\"");
        int signal = SignalParser.Parse(args.Positional.Count > 1 ? args.Positional[1] : "SIGTERM");
        // The exit this causes goes through the restart policy: a daemon must be there to see it.
        DaemonClient.Revive(ctx, args.Positional[0]);
        new ContainerKill(ctx.Store).Kill(args.Positional[0], signal, args.Bool("all"));
        return 0;
    }
}
