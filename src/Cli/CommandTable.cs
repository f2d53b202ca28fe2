using Rlrun.Cli.Commands;

namespace Rlrun.Cli;

/// <summary>The one list of rlrun's commands and global flags. --help, the shell completions
/// (`rlrun completion bash|zsh|fish`) and the man pages (`make man`) are all generated from it,
/// so they cannot drift. Adding a command: one line here, and docs/commands/NAME.md (its
/// description in rlrun-NAME(1); "image import" is image-import.md). CommandDocsTests fails,
/// naming the command, when the description is missing.</summary>
public static class CommandTable
{
    public static readonly ICommand[] Commands =
    [
        new SpecCommand(), new CreateCommand(), new StartCommand(), new RunCommand(), new StateCommand(),
        new KillCommand(), new DeleteCommand(), new ListCommand(), new ExecCommand(), new PsCommand(),
        new FeaturesCommand(), new CheckpointCommand("checkpoint"), new CheckpointCommand("restore"),
        new PauseCommand(pause: true), new PauseCommand(pause: false), new EventsCommand(), new UpdateCommand(),
        new CheckCommand(), new GenerateCommand(), new DaemonCommand(), new StopCommand(), new LogsCommand(),
        new ImagesCommand(), new RmiCommand(), new PullCommand(), new LoginCommand(), new LogoutCommand(),
        new CompletionCommand(),
    ];

    /// <summary>`rlrun image SUBCOMMAND`: named "image import" and so on in messages.</summary>
    public static readonly ICommand[] ImageCommands = [new ImageImportCommand(), new ImagePruneCommand(), new ImageInspectCommand()];

    public static readonly Flag[] GlobalFlags =
    [
        new(["root"], true, "root directory for container state (default $XDG_RUNTIME_DIR/rlrun)"),
        new(["log"], true, "append log lines to this file"),
        new(["log-format"], true, "log format: text (default) or json"),
        new(["debug"], false, "log what rlrun decides"),
        new(["systemd-cgroup"], false, "use the systemd cgroup manager (same as --cgroup-manager systemd)"),
        new(["cgroup-manager"], true, "systemd, cgroupfs, disabled, or auto (default: systemd if a user manager answers, else cgroupfs if delegated, else none)"),
        new(["rootless"], true, "accepted for runc compatibility (rlrun decides from the euid)"),
        new(["criu"], true, "accepted for runc compatibility"),
        new(["help", "h"], false, "show help"),
        new(["version", "v"], false, "print the version"),
    ];

    /// <summary>Every command: the top-level ones, then "image SUBCOMMAND".</summary>
    public static IEnumerable<ICommand> All => Commands.Concat(ImageCommands);

    /// <summary>The flag every command takes besides its own.</summary>
    public static readonly Flag Help = new(["help", "h"], false, "show help");
}
