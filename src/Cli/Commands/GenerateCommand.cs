using System.Text;
using Rlrun.Runtime.Container;

namespace Rlrun.Cli.Commands;

/// <summary>`generate systemd [--restart P] [--stop-timeout S] ID`: a systemd user unit that runs
/// the container (its bundle and state root as they are now) in the foreground, Type=notify with
/// rlrun reporting READY=1 once the container's process runs, restarted per the policy by systemd.
/// The unit owns the container, as podman's do. For a container the daemon supervises, the policy
/// is the daemon's (unless --restart says otherwise), and the unit takes the container over when it
/// starts: it stops it through the daemon and deletes it there (the daemon forgets it, and its
/// log), then runs it itself. Two supervisors of one container would restart it against each other.</summary>
public sealed class GenerateCommand : ICommand
{
    public string Name => "generate";
    public string Usage => "systemd [--restart POLICY] [--stop-timeout SECONDS] <container-id>\n       rlrun generate units [--source DIR] OUTDIR";
    public string Summary => "print a systemd user unit (rlrun-ID.service) that runs the container; write units from .container files";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        new(["restart"], true, "no, on-failure[:MAX], always, unless-stopped (default on-failure)"),
        new(["stop-timeout"], true, "seconds between SIGTERM and SIGKILL on stop (default 10)"),
        new(["source"], true, "units: the directory of NAME.container files (default ~/.config/containers/rlrun)"),
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        if (args.Positional is ["units", ..]) return Units(args);
        // "systemd" is a word before the flags: parse what follows it as this command's flags.
        if (args.Positional is not ["systemd", ..]) throw new UsageException("usage: rlrun generate systemd [flags] <container-id>");
        args = ArgParser.Parse(args.Positional.Skip(1).ToList(), Flags);
        if (args.Positional is not [var id]) throw new UsageException("usage: rlrun generate systemd [flags] <container-id>");
        var state = new ContainerQuery(ctx.Store).State(id);
        int stop = args.Int("stop-timeout", 10);
        var supervised = Runtime.Daemon.SupervisedSpec.Read(ctx.Root, id);
        // The daemon's "no" (what run -d --image gets without --restart) gives the default, as
        // podman's generate does for a container whose policy is no.
        string policy = args.Value("restart") ?? (supervised?.Policy is { } p && p != "no" ? p : null) ?? "on-failure";
        Console.Write(Unit(id, supervised?.Bundle ?? state.Bundle, ctx.Root, Environment.ProcessPath ?? "rlrun", policy, stop, supervised));
        return 0;
    }

    /// <summary>`generate units [--source DIR] OUTDIR`: what the user generator runs (systemd passes
    /// OUTDIR); by hand, it shows the units a daemon-reload would make.</summary>
    int Units(ParsedArgs args)
    {
        args = ArgParser.Parse(args.Positional.Skip(1).ToList(), Flags);
        if (args.Positional is not [var outDir, ..]) throw new UsageException("usage: rlrun generate units [--source DIR] OUTDIR");
        string source = args.Value("source") ?? Rlrun.Cli.Units.UnitGenerator.DefaultSource();
        int failed = Rlrun.Cli.Units.UnitGenerator.Generate(source, outDir, Environment.ProcessPath ?? "rlrun",
            e => Console.Error.WriteLine($"rlrun generate units: {e}"));
        return failed == 0 ? 0 : 1;
    }

    /// <summary>systemd's Restart= for a policy; on-failure:N limits the restarts with StartLimitBurst.</summary>
    public static (string Restart, int? Burst) RestartOf(string policy)
    {
        var parts = policy.Split(':', 2);
        return parts[0] switch
        {
            "no" => ("no", null),
            "always" or "unless-stopped" => ("always", null),
            "on-failure" when parts.Length == 1 => ("on-failure", null),
            "on-failure" when int.TryParse(parts[1], out int n) && n >= 0 => ("on-failure", n == 0 ? null : n + 1),
            _ => throw new UsageException($"invalid --restart \"{policy}\": no, on-failure[:MAX], always or unless-stopped"),
        };
    }

    public static string Unit(string id, string bundle, string root, string rlrun, string policy, int stopTimeout,
        Runtime.Daemon.SupervisedSpec? supervised = null)
    {
        var (restart, burst) = RestartOf(policy);
        string rl = $"{rlrun} --root {root}";
        // An image container's bundle holds its writable layer: the unit's deletes keep it.
        string delete = File.Exists(Path.Join(bundle, Images.Run.ImageContainerRecord.FileName)) ? "delete --force --keep-storage" : "delete --force";
        var u = new StringBuilder();
        u.Append($"# rlrun-{id}.service, written by `rlrun generate systemd {id}`.\n");
        u.Append($"# Install: copy to ~/.config/systemd/user/, then systemctl --user daemon-reload && systemctl --user enable --now rlrun-{id}\n");
        if (supervised is not null)
        {
            u.Append($"# {id} is supervised by the rlrun daemon (restart {supervised.Policy}). This unit takes it over when it\n");
            u.Append("# starts: ExecStartPre stops it through the daemon and deletes it there (the daemon forgets it, and\n");
            u.Append($"# its log: the output goes to the journal from then on); systemd then runs it with Restart={restart}.\n");
        }
        u.Append("[Unit]\n");
        u.Append($"Description=rlrun container {id}\n");
        if (burst is int b) u.Append($"StartLimitIntervalSec=infinity\nStartLimitBurst={b}\n");
        u.Append("\n[Service]\n");
        u.Append("Type=notify\nNotifyAccess=all\n");
        u.Append("Environment=RLRUN_SDNOTIFY=ready\n");
        if (supervised is not null) u.Append($"ExecStartPre=-{rl} stop -t {stopTimeout} {id}\n");
        u.Append($"ExecStartPre=-{rl} {delete} {id}\n");
        // The daemon's network flags go with it, so the unit's container gets the same network and ports.
        string network = supervised?.Network is { } n ? " " + string.Join(' ', n.ToFlags()) : "";
        u.Append($"ExecStart={rl} run --bundle {bundle}{(supervised?.NoPivot == true ? " --no-pivot" : "")}{network} {id}\n");
        u.Append($"ExecStop={rl} kill {id} TERM\n");
        u.Append($"ExecStopPost=-{rl} {delete} {id}\n");
        u.Append($"Restart={restart}\n");
        u.Append($"TimeoutStopSec={stopTimeout}\n");
        u.Append("KillMode=mixed\n");
        u.Append("\n[Install]\nWantedBy=default.target\n");
        return u.ToString();
    }
}
