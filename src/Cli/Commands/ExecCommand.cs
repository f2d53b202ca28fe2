using Rlrun.Runtime.Container;

namespace Rlrun.Cli.Commands;

/// <summary>`exec [flags] ID [COMMAND [ARG...]]`: run a process in a running container.</summary>
public sealed class ExecCommand : ICommand
{
    public string Name => "exec";
    public string Usage => "[flags] <container-id> <command> [args...]";
    public string Summary => "run a new process inside a running container";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        new(["process", "p"], true, "a process.json to run instead of the command line"),
        new(["tty", "t"], false, "allocate a pseudo-TTY in the container for the process"),
        new(["console-socket"], true, "unix socket to receive the pty master (with --tty)"),
        new(["cwd"], true, "the working directory in the container"),
        new(["env", "e"], true, "set an environment variable K=V (repeatable)", Repeatable: true),
        new(["user", "u"], true, "UID[:GID] to run as"),
        new(["additional-gids", "g"], true, "an additional group ID (repeatable)", Repeatable: true),
        new(["cap", "c"], true, "add a capability (repeatable)", Repeatable: true),
        new(["no-new-privs"], false, "set no_new_privs for the process"),
        new(["detach", "d"], false, "do not wait for the process"),
        new(["pid-file"], true, "write the process's PID to this file"),
        new(["preserve-fds"], true, "pass N more fds (3..3+N-1) to the process"),
        new(["process-label"], true, "accepted for runc compatibility (no SELinux support)"),
        new(["apparmor"], true, "accepted for runc compatibility (no AppArmor support)"),
        new(["ignore-paused"], false, "accepted for runc compatibility"),
        new(["cgroup"], true, "accepted for runc compatibility"),
    ];

    public bool ForwardsSignals(ParsedArgs args) => !args.Bool("detach");

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        if (args.Positional.Count == 0) throw new UsageException("\"exec\" requires a container id");
        var gids = args.Values("additional-gids").Select(g => uint.TryParse(g, out uint n) ? n
            : throw new UsageException($"invalid --additional-gids \"{g}\": not a number")).ToList();
        var options = new ExecOptions(args.Positional[0], args.Value("process"), args.Positional.Skip(1).ToList(),
            args.Value("cwd"), args.Values("env"), args.Value("user"), gids, args.Values("cap"), args.Bool("no-new-privs"),
            args.Bool("detach"), args.Value("pid-file"), args.Int("preserve-fds", 0), args.Bool("tty"), args.Value("console-socket"), ctx.Log.DebugEnabled);
        return new ContainerExec(ctx.Store, ctx.Log.Debug, ctx.WarnOnce).Exec(options);
    }
}
