namespace Rlrun.Cli.Commands;

/// <summary>`checkpoint` and `restore`: rlrun has no CRIU integration; say so, as a clear failure.
/// runc 1.1.5's flags are all accepted (with their values), so a caller written for runc reads
/// "not supported" rather than a flag error.</summary>
public sealed class CheckpointCommand(string name) : ICommand
{
    public string Name => name;
    public string Usage => "[command options] <container-id>";
    public string Summary => $"{name} a container (not supported: rlrun has no CRIU integration)";
    public IReadOnlyList<Flag> Flags { get; } = name == "restore" ? RestoreFlags : CheckpointFlags;

    const string Ignored = "accepted for runc compatibility (no CRIU integration)";

    static readonly Flag[] Common =
    [
        new(["image-path"], true, Ignored),
        new(["work-path"], true, Ignored),
        new(["tcp-established"], false, Ignored),
        new(["ext-unix-sk"], false, Ignored),
        new(["shell-job"], false, Ignored),
        new(["file-locks"], false, Ignored),
        new(["lazy-pages"], false, Ignored),
        new(["manage-cgroups-mode"], true, Ignored),
        new(["empty-ns"], true, Ignored, Repeatable: true),
        new(["auto-dedup"], false, Ignored),
    ];

    static readonly Flag[] CheckpointFlags =
    [
        .. Common,
        new(["parent-path"], true, Ignored),
        new(["leave-running"], false, Ignored),
        new(["status-fd"], true, Ignored),
        new(["page-server"], true, Ignored),
        new(["pre-dump"], false, Ignored),
    ];

    static readonly Flag[] RestoreFlags =
    [
        .. Common,
        new(["console-socket"], true, Ignored),
        new(["bundle", "b"], true, Ignored),
        new(["detach", "d"], false, Ignored),
        new(["pid-file"], true, Ignored),
        new(["no-subreaper"], false, Ignored),
        new(["no-pivot"], false, Ignored),
        new(["lsm-profile"], true, Ignored),
        new(["lsm-mount-context"], true, Ignored),
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        args.Int("status-fd", -1); // an int flag in runc: a word there is a usage error, not "not supported"
        throw new NotSupportedException($"{name} is not supported by rlrun (no CRIU integration)");
    }
}
