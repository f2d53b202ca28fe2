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

    public bool ForwardsSignals(ParsedArgs args) => !args.Bool("detach");

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        var options = CreateFlags.Options(ctx, args, Name);
        string policy = args.Value("restart") ?? ctx.Settings.RestartPolicy;
        // Checked here too, so a bad value starts no supervisor or daemon (they check it again).
        if (!IsPolicy(policy))
            throw new UsageException($"invalid --restart \"{policy}\" (or restart.policy in {RlrunSettings.ConfigFile()}): no, on-failure[:MAX], always or unless-stopped");
        if (policy != "no") return Supervisor.Exec(ctx, options, policy, args.Bool("detach"));
        return new ContainerRun(ctx.Store, ctx.Log.Debug, ctx.WarnOnce).Run(options, args.Bool("detach"), args.Bool("keep"));
    }

    static bool IsPolicy(string p) =>
        p is "no" or "always" or "unless-stopped" or "on-failure"
        || (p.StartsWith("on-failure:") && p.Length is > 11 and < 21 && p[11..].All(char.IsAsciiDigit));
}
