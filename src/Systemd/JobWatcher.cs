using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Rlrun.Systemd.Interop;

namespace Rlrun.Systemd;

/// <summary>
/// Watches the manager's JobRemoved(u id, o job, s unit, s result) signals. Install it BEFORE the
/// call that queues the job (the job may finish before the reply is read); then
/// <see cref="Wait"/> for the job path the call answered. The callback is an
/// UnmanagedCallersOnly function pointer with a GCHandle to this watcher as userdata.
/// </summary>
internal sealed unsafe class JobWatcher : IDisposable
{
    private readonly SystemdBus _bus;
    private GCHandle _self;
    private IntPtr _slot;
    private readonly Dictionary<string, (string Unit, string Result)> _removed = new(StringComparer.Ordinal);

    /// <summary>Caller holds bus.Lock.</summary>
    public JobWatcher(SystemdBus bus)
    {
        _bus = bus;
        // No sender= on a direct connection (no bus daemon: signals carry no sender). On the bus
        // the path and interface are systemd's; the job path is checked against our own job.
        var rule = "type='signal',path='/org/freedesktop/systemd1',interface='org.freedesktop.systemd1.Manager',member='JobRemoved'";
        _self = GCHandle.Alloc(this);
        // Asynchronous: no blocking AddMatch round trip (whose poll a signal could interrupt);
        // the daemon gets AddMatch before the call sent next on this connection.
        int r = SdBus.sd_bus_add_match_async(bus.Handle, out _slot, rule, &OnJobRemoved, null, GCHandle.ToIntPtr(_self));
        if (r < 0)
        {
            _self.Free();
            throw new SystemdException($"sd_bus_add_match(JobRemoved) on {bus.Description}", -r);
        }
    }

    [UnmanagedCallersOnly]
    private static int OnJobRemoved(IntPtr m, IntPtr userdata, IntPtr retError)
    {
        try
        {
            if (GCHandle.FromIntPtr(userdata).Target is not JobWatcher w) return 0;
            var msg = new BusMessage(m, "JobRemoved", owned: false);
            msg.ReadUInt32();
            var job = msg.ReadObjectPath();
            var unit = msg.ReadString();
            var result = msg.ReadString();
            w._removed[job] = (unit, result);
        }
        catch
        {
            // A malformed signal: ignore it (exceptions must not cross into C).
        }
        return 0;
    }

    /// <summary>Waits (bounded) for JobRemoved of jobPath and answers its result ("done",
    /// "canceled", "timeout", "failed", "dependency", "skipped"). Caller holds bus.Lock.</summary>
    public string Wait(string jobPath, TimeSpan timeout, string call, string unit)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            _bus.ProcessPending();
            if (_removed.TryGetValue(jobPath, out var r)) return r.Result;
            var left = timeout == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : timeout - sw.Elapsed;
            if (left != Timeout.InfiniteTimeSpan && left <= TimeSpan.Zero)
                throw new SystemdException(call, Errnos.ETIMEDOUT,
                    message: $"{call}: job {jobPath} for unit {unit} did not finish within {timeout.TotalSeconds:0.###} s (no JobRemoved signal)");
            _bus.WaitForInput(left);
        }
    }

    public void Dispose()
    {
        if (_slot != IntPtr.Zero) SdBus.sd_bus_slot_unref(_slot);
        _slot = IntPtr.Zero;
        if (_self.IsAllocated) _self.Free();
    }
}
