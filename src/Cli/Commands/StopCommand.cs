using Rlrun.Runtime.Container;
using Rlrun.Runtime.Daemon;
using Rlrun.Runtime.Signals;
using Rlrun.Runtime.State;

namespace Rlrun.Cli.Commands;

/// <summary>`stop [-t SECONDS] [--signal SIG] ID`, as podman stop: the signal (SIGTERM), then SIGKILL to
/// every process after the timeout. A supervised container is stopped by its daemon, for good: a
/// manual stop is never restarted. runc has no stop; this is rlrun's.</summary>
public sealed class StopCommand : ICommand
{
    public string Name => "stop";
    public string Usage => "[-t SECONDS] [--signal SIG] <container-id>";
    public string Summary => "stop a container: SIGTERM, then SIGKILL after the timeout; a supervised one is not restarted";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        new(["time", "t"], true, "seconds to wait before SIGKILL (default 10)"),
        new(["signal", "s"], true, "the first signal (default SIGTERM)"),
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        string id = CommandArgs.SingleId(args, Name);
        double timeout = 10;
        if (args.Value("time") is { } t && (!double.TryParse(t, System.Globalization.CultureInfo.InvariantCulture, out timeout) || timeout < 0))
            throw new UsageException($"invalid --time \"{t}\": a number of seconds, 0 or more");
        int signal = args.Value("signal") is { } s ? SignalParser.Parse(s) : 15;
        if (DaemonPaths.IsSupervised(ctx.Root, id))
        {
            DaemonClient.Must(ctx, new DaemonRequest { Op = "stop", Id = id, Timeout = timeout, Signal = signal });
            return 0;
        }
        var query = new ContainerQuery(ctx.Store);
        if (query.State(id).Status == ContainerStatus.Stopped) return 0;
        var kill = new ContainerKill(ctx.Store);
        kill.Kill(id, signal, all: false);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(timeout);
        bool killed = false;
        while (query.State(id).Status != ContainerStatus.Stopped)
        {
            if (DateTime.UtcNow > deadline)
            {
                if (killed) throw new IOException($"stop {id}: the container did not stop within 10s of SIGKILL");
                kill.Kill(id, 9, all: true);
                (killed, deadline) = (true, DateTime.UtcNow + TimeSpan.FromSeconds(10));
            }
            Thread.Sleep(10);
        }
        return 0;
    }
}
