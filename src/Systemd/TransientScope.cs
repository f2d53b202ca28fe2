using System.Text.RegularExpressions;
using Tmds.DBus.Protocol;

namespace Rlrun.Systemd;

/// <summary>What <see cref="TransientScope.Start"/> did.</summary>
/// <param name="Unit">The unit name.</param>
/// <param name="JobPath">The start job's object path.</param>
/// <param name="Applied">The properties systemd took.</param>
/// <param name="Dropped">The properties systemd refused as unknown or not settable, left out.</param>
public sealed record TransientScopeStarted(string Unit, string JobPath, IReadOnlyList<UnitProperty> Applied, IReadOnlyList<UnitProperty> Dropped);

/// <summary>
/// Transient units through the manager: StartTransientUnit with a job wait, StopUnit with a job
/// wait, ResetFailedUnit. This is runc's and crun's --systemd-cgroup path: a scope with
/// Delegate=yes and PIDs=[the container's init], whose cgroup then belongs to the user.
/// </summary>
public static partial class TransientScope
{
    /// <summary>
    /// StartTransientUnit(unitName, "fail", properties, []) and a wait (bounded by timeout, the
    /// whole operation) for the JobRemoved signal of the job it answers. The JobRemoved match is
    /// installed before the call. Result "done": returns; any other result throws
    /// <see cref="SystemdJobFailedException"/> naming the unit and the result. A property
    /// systemd refuses as unknown or not settable (systemd 252:
    /// org.freedesktop.DBus.Error.PropertyReadOnly "Cannot set property NAME, or unknown
    /// property.") is dropped, reported through warn, and the call retried.
    /// Other errors throw <see cref="SystemdException"/> (e.g. IsUnitExists).
    /// </summary>
    public static TransientScopeStarted Start(SystemdBus bus, string unitName, IEnumerable<UnitProperty> properties,
        TimeSpan timeout, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        if (!UnitName.IsValid(unitName)) throw new ArgumentException($"'{unitName}' is not a valid unit name", nameof(unitName));
        var props = properties.ToList();
        var dropped = new List<UnitProperty>();
        var call = $"StartTransientUnit({unitName})";
        var deadline = DateTime.UtcNow + timeout;

        lock (bus.Lock)
        {
            using var watcher = new JobWatcher(bus);
            while (true)
            {
                string job;
                try
                {
                    var m = BuildStartMessage(bus, unitName, props);
                    job = bus.Call(m, call, "o", ReadJobPath, Remaining(deadline));
                }
                catch (SystemdException e) when (RejectedProperty(e.ErrorName, e.ErrorMessage, props) is { } bad)
                {
                    props.Remove(bad);
                    dropped.Add(bad);
                    warn?.Invoke($"systemd ({bus.Description}) refused unit property {bad} for {unitName} ({e.ErrorName}: {e.ErrorMessage}); started without it");
                    continue;
                }
                var result = watcher.Wait(job, Remaining(deadline), call, unitName);
                if (result != "done") throw new SystemdJobFailedException(call, unitName, job, result);
                return new TransientScopeStarted(unitName, job, props, dropped);
            }
        }
    }

    /// <summary>
    /// StopUnit(unitName, mode) and a wait (bounded) for its job. Answers false when systemd has
    /// no such unit loaded (already gone), true when the stop job finished "done"; another job
    /// result throws <see cref="SystemdJobFailedException"/>.
    /// </summary>
    public static bool Stop(SystemdBus bus, string unitName, TimeSpan timeout, string mode = "replace")
    {
        ArgumentNullException.ThrowIfNull(bus);
        var call = $"StopUnit({unitName}, {mode})";
        var deadline = DateTime.UtcNow + timeout;
        lock (bus.Lock)
        {
            using var watcher = new JobWatcher(bus);
            string job;
            try
            {
                var w = bus.NewManagerCall("StopUnit", "ss");
                MessageBuffer m;
                try
                {
                    BusWrite.String(ref w, unitName);
                    BusWrite.String(ref w, mode);
                    m = w.CreateMessage();
                }
                finally { w.Dispose(); }
                job = bus.Call(m, call, "o", ReadJobPath, Remaining(deadline));
            }
            catch (SystemdException e) when (e.IsNoSuchUnit)
            {
                return false;
            }
            var result = watcher.Wait(job, Remaining(deadline), call, unitName);
            if (result != "done") throw new SystemdJobFailedException(call, unitName, job, result);
            return true;
        }
    }

    /// <summary>ResetFailedUnit(unitName): forget a failed unit so its name can be used again.
    /// Answers false when no such unit is loaded.</summary>
    public static bool ResetFailed(SystemdBus bus, string unitName, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        lock (bus.Lock)
        {
            try
            {
                var w = bus.NewManagerCall("ResetFailedUnit", "s");
                MessageBuffer m;
                try
                {
                    BusWrite.String(ref w, unitName);
                    m = w.CreateMessage();
                }
                finally { w.Dispose(); }
                bus.Call(m, $"ResetFailedUnit({unitName})", timeout);
                return true;
            }
            catch (SystemdException e) when (e.IsNoSuchUnit)
            {
                return false;
            }
        }
    }

    /// <summary>SetUnitProperties(s name, b runtime=true, a(sv) properties): `update` on a scope.
    /// A property this systemd refuses is dropped (warned about), the rest set.</summary>
    public static void SetProperties(SystemdBus bus, string unitName, IEnumerable<UnitProperty> properties, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        var props = properties.ToList();
        lock (bus.Lock)
        {
            while (props.Count > 0)
            {
                try
                {
                    var w = bus.NewManagerCall("SetUnitProperties", "sba(sv)");
                    MessageBuffer m;
                    try
                    {
                        BusWrite.String(ref w, unitName);
                        w.WriteBool(true);
                        BusWrite.Properties(ref w, props);
                        m = w.CreateMessage();
                    }
                    finally { w.Dispose(); }
                    bus.Call(m, $"SetUnitProperties({unitName})", SystemdBus.DefaultCallTimeout);
                    return;
                }
                catch (SystemdException e) when (RejectedProperty(e.ErrorName, e.ErrorMessage, props) is { } bad)
                {
                    props.Remove(bad);
                    warn?.Invoke($"systemd ({bus.Description}) refused unit property {bad} for {unitName}: {e.ErrorMessage}");
                }
            }
        }
    }

    /// <summary>StartTransientUnit(s name, s mode="fail", a(sv) properties, a(sa(sv)) aux=[]).
    /// ArgumentException for a string holding NUL.</summary>
    internal static MessageBuffer BuildStartMessage(SystemdBus bus, string unitName, IEnumerable<UnitProperty> props)
    {
        var w = bus.NewManagerCall("StartTransientUnit", StartSignature);
        try
        {
            BusWrite.String(ref w, unitName);
            BusWrite.String(ref w, "fail");
            BusWrite.Properties(ref w, props);
            w.WriteArrayEnd(w.WriteArrayStart(DBusType.Struct)); // no auxiliary units
            return w.CreateMessage();
        }
        finally
        {
            w.Dispose();
        }
    }

    internal const string StartSignature = "ssa(sv)a(sa(sv))";

    private static string ReadJobPath(ref Reader r) => r.ReadObjectPathAsString();

    private static TimeSpan Remaining(DateTime deadline)
    {
        var left = deadline - DateTime.UtcNow;
        return left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);
    }

    [GeneratedRegex(@"(?:Cannot set property|Unknown (?:property|assignment)|unknown property)[ :]+'?([A-Za-z][A-Za-z0-9]*)'?", RegexOptions.CultureInvariant)]
    private static partial Regex RejectedNameRegex();

    /// <summary>
    /// The property of <paramref name="properties"/> an error answer of StartTransientUnit refuses
    /// as unknown or not settable, or null when the error is of another kind. systemd 252 answers
    /// org.freedesktop.DBus.Error.PropertyReadOnly "Cannot set property NAME, or unknown
    /// property."; older ones InvalidArgs "Unknown assignment NAME" / "Unknown property NAME".
    /// </summary>
    public static UnitProperty? RejectedProperty(string? errorName, string? errorMessage, IReadOnlyList<UnitProperty> properties)
    {
        if (errorMessage is null) return null;
        if (errorName is not (DBusErrors.PropertyReadOnly or DBusErrors.InvalidArgs or DBusErrors.UnknownProperty)) return null;
        var match = RejectedNameRegex().Match(errorMessage);
        if (!match.Success) return null;
        var name = match.Groups[1].Value;
        return properties.FirstOrDefault(p => p.Name == name);
    }
}
