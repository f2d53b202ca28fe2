using Rlrun.Runtime.Container;

namespace Rlrun.Cli.Commands;

/// <summary>`create [flags] ID`: the container is set up and its init waits for `start`.</summary>
public sealed class CreateCommand : ICommand
{
    public string Name => "create";
    public string Usage => "[flags] <container-id>";
    public string Summary => "create a container (its process waits for start)";
    public IReadOnlyList<Flag> Flags => CreateFlags.Common;

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        var options = CreateFlags.Options(ctx, args, Name);
        var (_, init) = new ContainerCreate(ctx.Store, ctx.Log.Debug, ctx.WarnOnce).Create(options, startViaSocket: false);
        init.Dispose();
        return 0;
    }
}
