using Rlrun.Runtime.Container;

namespace Rlrun.Cli.Commands;

/// <summary>`run [flags] ID`: create and start; in the foreground, the container's exit code.</summary>
public sealed class RunCommand : ICommand
{
    public string Name => "run";
    public string Usage => "[flags] <container-id>\n       rlrun run --image REF [flags] [ID] [-- CMD ARGS...]";
    public string Summary => "create and run a container (of a bundle, or of an image)";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        .. CreateFlags.Common,
        new(["detach", "d"], false, "detach from the container's process"),
        new(["keep"], false, "keep the container's state after it exits"),
        new(["restart"], true, "supervise: no, on-failure[:MAX], always, unless-stopped (default: rlrun.json's restart.policy, else no); with -d, any value (no too) hands the container to the daemon, which keeps its log"),
        .. ImageRunFlags.Flags,
    ];

    public bool ForwardsSignals(ParsedArgs args) => !args.Bool("detach");

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        if (ImageRunFlags.IsImageForm(args)) return ImageRunExitCodes.Run(ctx, Name, () => ImageContainerRun.Run(ctx, args, Name));
        var options = CreateFlags.Options(ctx, args, Name);
        string policy = args.Value("restart") ?? ctx.Settings.RestartPolicy;
        // Checked here too, so a bad value starts no supervisor or daemon (they check it again).
        if (!IsPolicy(policy))
            throw new UsageException($"invalid --restart \"{policy}\" (or restart.policy in {RlrunSettings.ConfigFile()}): no, on-failure[:MAX], always or unless-stopped");
        bool detach = args.Bool("detach");
        // runc has no --restart: whoever gives one, "no" included, asks for rlrun's supervision. Detached,
        // that is the daemon, which keeps the output in a log; a plain `run -d` stays runc's (the
        // output goes where rlrun's goes). In the foreground, --restart=no has nothing to supervise.
        bool explicitRestart = args.Value("restart") is not null;
        if (policy != "no" || (detach && explicitRestart))
            // The network flags go along: every restart gets its network and ports back.
            return Supervisor.Exec(ctx, options, policy, detach);
        return new ContainerRun(ctx.Store, ctx.Log.Debug, ctx.WarnOnce).Run(options, detach, args.Bool("keep"));
    }

    static bool IsPolicy(string p) =>
        p is "no" or "always" or "unless-stopped" or "on-failure"
        || (p.StartsWith("on-failure:") && p.Length is > 11 and < 21 && p[11..].All(char.IsAsciiDigit));
}
