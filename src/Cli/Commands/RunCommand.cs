using Rlrun.Runtime.Container;

namespace Rlrun.Cli.Commands;

/// <summary>`run [flags] ID`: create and start; in the foreground, the container's exit code.</summary>
public sealed class RunCommand : ICommand
{
    public string Name => "run";
    public string Usage => "[flags] <container-id>";
    public string Summary => "create and run a container";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        .. CreateFlags.Common,
        new(["detach", "d"], false, "detach from the container's process"),
        new(["keep"], false, "keep the container's state after it exits"),
        new(["restart"], true, "supervise: no, on-failure[:MAX], always, unless-stopped (default: rlrun.json's restart.policy, else no)"),
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        var options = CreateFlags.Options(ctx, args, Name);
        string policy = args.Value("restart") ?? ctx.Settings.RestartPolicy;
        if (policy != "no") return Supervisor.Exec(ctx, options, policy, args.Bool("detach"));
        return new ContainerRun(ctx.Store, ctx.Log.Debug, ctx.WarnOnce).Run(options, args.Bool("detach"), args.Bool("keep"));
    }
}
