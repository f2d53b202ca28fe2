using System.Diagnostics;
using Tmds.DBus.Protocol;

namespace Rlrun.Systemd;

/// <summary>
/// Watches the manager's JobRemoved(u id, o job, s unit, s result) signals. Create it BEFORE the
/// call that queues the job (the job may finish before the reply is read): the match is
/// registered, and on a bus its AddMatch queued ahead of anything sent later on the connection,
/// before the constructor returns. Then <see cref="Wait"/> for the job path the call answered.
/// </summary>
internal sealed class JobWatcher : IDisposable
{
    private readonly SystemdBus _bus;
    private readonly Task<IDisposable> _match;
    private readonly Dictionary<string, (string Unit, string Result)> _removed = new(StringComparer.Ordinal);
    private Exception? _closed;

    public JobWatcher(SystemdBus bus)
    {
        _bus = bus;
        // No sender: a direct connection has no bus daemon, its signals carry none. The job path
        // is checked against our own job.
        var rule = new MatchRule
        {
            Type = MessageType.Signal,
            Path = SystemdBus.ManagerPath,
            Interface = SystemdBus.ManagerInterface,
            Member = "JobRemoved",
        };
        try
        {
            _match = SystemdBus.Detached(() => bus.Connection.AddMatchAsync(rule, ReadJobRemoved, OnNotification,
                emitOnCapturedContext: false, ObserverFlags.EmitOnConnectionClosed, state: null).AsTask());
        }
        catch (Exception e)
        {
            throw SystemdBus.Translate($"AddMatch(JobRemoved) on {bus.Description}", e);
        }
    }

    /// <summary>(job, unit, result), or null for a signal of another shape: a reader that throws
    /// would make the library drop the connection.</summary>
    private static (string Job, string Unit, string Result)? ReadJobRemoved(Message m, object? state)
    {
        if (m.SignatureAsString != "uoss") return null;
        try
        {
            var r = m.GetBodyReader();
            r.ReadUInt32();
            var job = r.ReadObjectPathAsString();
            var unit = r.ReadString();
            var result = r.ReadString();
            return (job, unit, result);
        }
        catch (Exception)
        {
            return null;
        }
    }

    /// <summary>Runs on the connection's receive loop: records and wakes the waiter, nothing more.</summary>
    private void OnNotification(Notification<(string Job, string Unit, string Result)?> n)
    {
        lock (_removed)
        {
            if (n.IsCompletion) _closed = new DBusConnectionClosedException($"the connection was closed ({n.Type})");
            else if (n.HasValue && n.Value is { } v) _removed[v.Job] = (v.Unit, v.Result);
            Monitor.PulseAll(_removed);
        }
    }

    /// <summary>Waits (bounded) for JobRemoved of jobPath and answers its result ("done",
    /// "canceled", "timeout", "failed", "dependency", "skipped").</summary>
    public string Wait(string jobPath, TimeSpan timeout, string call, string unit)
    {
        var sw = Stopwatch.StartNew();
        // The match itself: on a bus, the daemon's answer to AddMatch (long in by now).
        SystemdBus.Wait(_match, timeout, $"{call}: AddMatch(JobRemoved) on {_bus.Description}",
            $"{call}: AddMatch(JobRemoved) on {_bus.Description}: no reply within {timeout.TotalSeconds:0.###} s");
        lock (_removed)
        {
            while (true)
            {
                if (_removed.TryGetValue(jobPath, out var r)) return r.Result;
                if (_closed is not null) throw SystemdBus.Translate($"{call}: waiting for job {jobPath}", _closed);
                var left = timeout == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : timeout - sw.Elapsed;
                if (left != Timeout.InfiniteTimeSpan && left <= TimeSpan.Zero)
                    throw new SystemdException(call, Errnos.ETIMEDOUT,
                        message: $"{call}: job {jobPath} for unit {unit} did not finish within {timeout.TotalSeconds:0.###} s (no JobRemoved signal)");
                Monitor.Wait(_removed, left);
            }
        }
    }

    public void Dispose()
    {
        if (_match.IsCompletedSuccessfully) _match.Result.Dispose();
        else _match.ContinueWith(static t => { if (t.IsCompletedSuccessfully) t.Result.Dispose(); else _ = t.Exception; },
            CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }
}
