using Akka.Actor;
using Rlrun.Actors;
using Rlrun.Runtime.Daemon;
using Rlrun.Runtime.State;
using Kill = Rlrun.Actors.Kill;

namespace Rlrun.Supervisor.Daemon;

/// <summary>Turns protocol requests into messages to the supervisor actor and its answers into
/// responses. `run` is create-then-start; if the start fails, the container is not left supervised.</summary>
public sealed class RequestHandler(IActorRef supervisor, DaemonArgs options, Func<int> count)
{
    static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(60);

    public DaemonResponse Handle(DaemonRequest r)
    {
        try
        {
            return r.Op switch
            {
                "ping" => new DaemonResponse { Ok = true, Daemon = Info() },
                "run" => Run(r),
                "start" => One(new Start(Id(r))),
                "stop" => One(new Stop(Id(r), r.Timeout is { } t ? TimeSpan.FromSeconds(t) : null, r.Signal ?? 15), StopWait(r)),
                "kill" => One(new Kill(Id(r), r.Signal ?? 15, r.All)),
                "delete" => One(new Delete(Id(r), r.Force), StopWait(r)),
                "status" => One(new GetStatus(Id(r))),
                "list" => List(),
                _ => new DaemonResponse { Error = $"unknown op \"{r.Op}\" (ping, run, start, stop, kill, delete, status, list)" },
            };
        }
        catch (Exception e) when (e is ContainerCommandException or AskTimeoutException or ArgumentException)
        {
            return new DaemonResponse { Error = e.Message };
        }
    }

    DaemonInfo Info() => new(Environment.ProcessId, options.Root, count(), Program.Version);

    static string Id(DaemonRequest r)
    {
        if (string.IsNullOrEmpty(r.Id)) throw new ArgumentException($"{r.Op}: the request has no \"id\"");
        ContainerId.Validate(r.Id);
        return r.Id;
    }

    static TimeSpan StopWait(DaemonRequest r) => TimeSpan.FromSeconds((r.Timeout ?? 10) + 30);

    DaemonResponse Run(DaemonRequest r)
    {
        string id = Id(r);
        if (string.IsNullOrEmpty(r.Bundle)) throw new ArgumentException("run: the request has no \"bundle\"");
        if (!RestartPolicy.TryParse(r.Restart ?? "no", out var policy, out string? error)) throw new ArgumentException($"run: {error}");
        var d = options.Backoff;
        var backoff = new RestartBackoff(Ms(r.RestartDelayMs) ?? d.Initial, Ms(r.RestartMaxDelayMs) ?? d.Max, Ms(r.RestartResetAfterMs) ?? d.ResetAfter);
        // Checked here, so a bad value is the request's error and not a failed start.
        r.Network?.ToRequest();
        var spec = new ContainerSpec(id, Path.GetFullPath(r.Bundle), r.NoPivot, r.CgroupManager ?? options.CgroupManager, r.PidFile, r.Debug, r.Network, r.Remove);
        supervisor.Ask<ContainerSnapshot>(new Create(spec, policy, backoff), AskTimeout).GetAwaiter().GetResult();
        try { return One(new Start(id)); }
        catch (Exception e) when (e is ContainerCommandException or AskTimeoutException)
        {
            try { supervisor.Ask<ContainerSnapshot>(new Delete(id, Force: true), AskTimeout).GetAwaiter().GetResult(); }
            catch (Exception) { }
            throw;
        }
    }

    static TimeSpan? Ms(double? ms) => ms is { } v ? TimeSpan.FromMilliseconds(v) : null;

    DaemonResponse One(IContainerCommand command, TimeSpan? wait = null)
    {
        var s = supervisor.Ask<ContainerSnapshot>(command, wait ?? AskTimeout).GetAwaiter().GetResult();
        return new DaemonResponse { Ok = true, Container = ToWire(s) };
    }

    DaemonResponse List()
    {
        var list = supervisor.Ask<ContainerList>(ListContainers.Instance, AskTimeout).GetAwaiter().GetResult();
        return new DaemonResponse { Ok = true, Containers = list.Containers.Select(ToWire).ToList() };
    }

    public static SupervisedContainer ToWire(ContainerSnapshot s) => new()
    {
        Id = s.Id, State = s.State.ToString().ToLowerInvariant(), Pid = s.Pid, Bundle = s.Bundle, Restart = s.Policy.ToString(),
        RestartCount = s.RestartCount, LastExitCode = s.LastExitCode, StartedAt = s.StartedAt, ExitedAt = s.ExitedAt,
        ManuallyStopped = s.ManuallyStopped, LastError = s.LastError,
    };
}
