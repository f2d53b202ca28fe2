using Rlrun.Runtime.Container;

namespace Rlrun.Cli.Commands;

/// <summary>The flags `create` and `run` share, as in runc.</summary>
public static class CreateFlags
{
    public static readonly Flag[] Common =
    [
        new(["bundle", "b"], true, "path to the bundle directory (default: the current directory)"),
        new(["pid-file"], true, "write the container init's PID to this file"),
        new(["console-socket"], true, "unix socket to receive the pty master (process.terminal)"),
        new(["no-pivot"], false, "use chroot instead of pivot_root (for a rootfs on a ramdisk)"),
        new(["no-new-keyring"], false, "accepted for runc compatibility (rlrun makes no session keyring)"),
        new(["preserve-fds"], true, "pass N more fds (3..3+N-1) to the container process"),
        new(["pidfd-socket"], true, "accepted for runc compatibility"),
        .. NetworkFlags.All,
    ];

    public static CreateOptions Options(CommandContext ctx, ParsedArgs args, string command)
    {
        if (args.Positional.Count == 0) throw new UsageException($"\"{command}\" requires a container id");
        if (args.Positional.Count > 1) throw new UsageException($"unexpected argument \"{args.Positional[1]}\"");
        return new CreateOptions(args.Positional[0], args.Value("bundle") ?? ".", args.Value("pid-file"),
            args.Value("console-socket"), args.Bool("no-pivot"), args.Int("preserve-fds", 0), ctx.Log.DebugEnabled, ctx.CgroupManager,
            Network: NetworkFlags.Parse(args));
    }
}
