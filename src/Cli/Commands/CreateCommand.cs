using Rlrun.Runtime.Container;

namespace Rlrun.Cli.Commands;

/// <summary>`create [flags] ID`: the container is set up and its init waits for `start`.</summary>
public sealed class CreateCommand : ICommand
{
    public string Name => "create";
    public string Usage => "[flags] <container-id>\n       rlrun create --image REF [flags] [ID] [-- CMD ARGS...]";
    public string Summary => "create a container (its process waits for start)";
    public IReadOnlyList<Flag> Flags { get; } = [.. CreateFlags.Common, .. ImageRunFlags.Flags];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        if (ImageRunFlags.IsImageForm(args)) return ImageContainerRun.Run(ctx, args, Name);
        var options = CreateFlags.Options(ctx, args, Name);
        var (_, init) = new ContainerCreate(ctx.Store, ctx.Log.Debug, ctx.WarnOnce).Create(options, startViaSocket: false);
        init.Dispose();
        return 0;
    }
}
