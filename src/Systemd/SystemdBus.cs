using System.Diagnostics;
using System.Runtime.InteropServices;
using Rlrun.Systemd.Interop;

namespace Rlrun.Systemd;

/// <summary>Which systemd manager to talk to.</summary>
public enum BusKind
{
    /// <summary>The system manager for real root (euid 0 in the initial user namespace), the
    /// user's own manager otherwise, also for euid 0 inside a user namespace (rootless podman
    /// runs the runtime so).</summary>
    Auto,
    /// <summary>The calling user's manager: the session bus (DBUS_SESSION_BUS_ADDRESS, else
    /// $XDG_RUNTIME_DIR/bus), else the manager's private socket $XDG_RUNTIME_DIR/systemd/private.</summary>
    User,
    /// <summary>The system manager on the system bus.</summary>
    System,
}

/// <summary>
/// A connection to a systemd manager over sd-bus (libsystemd.so.0). One connection is used by
/// one thread at a time: every public member takes a lock. Dispose closes it.
/// </summary>
public sealed unsafe class SystemdBus : IDisposable
{
    public const string Destination = "org.freedesktop.systemd1";
    public const string ManagerPath = "/org/freedesktop/systemd1";
    public const string ManagerInterface = "org.freedesktop.systemd1.Manager";
    public const string UnitInterface = "org.freedesktop.systemd1.Unit";
    public const string PropertiesInterface = "org.freedesktop.DBus.Properties";

    /// <summary>Default bound for one method call.</summary>
    public static readonly TimeSpan DefaultCallTimeout = TimeSpan.FromSeconds(25);

    private IntPtr _bus;
    private readonly bool _flushOnClose = true;
    internal readonly object Lock = new();

    /// <summary>What the connection is to, e.g. "user bus" or "unix:path=/run/user/1000/systemd/private".</summary>
    public string Description { get; }

    /// <summary>Which manager: User or System (never Auto).</summary>
    public BusKind Kind { get; }

    /// <summary>A direct (peer-to-peer) connection to systemd's private socket, no bus daemon:
    /// signals then carry no sender.</summary>
    public bool IsDirect { get; }

    private SystemdBus(IntPtr bus, BusKind kind, string description, bool direct)
    {
        _bus = bus;
        Kind = kind;
        Description = description;
        IsDirect = direct;
    }

    internal IntPtr Handle => _bus != IntPtr.Zero ? _bus : throw new ObjectDisposedException(nameof(SystemdBus));

    /// <summary>Connects to the manager <paramref name="kind"/> names. Throws SystemdException
    /// when no connection can be made (the manager is only asked on the first call: use
    /// <see cref="IsManagerReachable(BusKind, TimeSpan, out string)"/> to probe).</summary>
    public static SystemdBus Open(BusKind kind = BusKind.Auto)
    {
        if (kind == BusKind.Auto) kind = ResolveAuto();
        return kind == BusKind.System ? OpenSystem() : OpenUser();
    }

    /// <summary>What <see cref="BusKind.Auto"/> means for this process: System for euid 0 in
    /// the initial user namespace, else User.</summary>
    public static BusKind ResolveAuto() =>
        Libc.geteuid() == 0 && IsInitialUserNamespace(ReadUidMap()) ? BusKind.System : BusKind.User;

    private static string? ReadUidMap()
    {
        try { return File.ReadAllText("/proc/self/uid_map"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>A uid_map of the initial user namespace: the single identity line
    /// "0 0 4294967295" (null: unknown, taken as initial).</summary>
    internal static bool IsInitialUserNamespace(string? uidMap)
    {
        if (uidMap is null) return true;
        var lines = uidMap.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 1 && lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["0", "0", "4294967295"];
    }

    public static SystemdBus OpenSystem()
    {
        int r = SdBus.sd_bus_open_system(out var bus);
        if (r < 0) throw new SystemdException("sd_bus_open_system", -r);
        return new SystemdBus(bus, BusKind.System, "system bus", direct: false);
    }

    /// <summary>The user's manager: the session bus when sd_bus_open_user connects, else (no bus
    /// socket, e.g. no dbus-user-session) the manager's private socket under XDG_RUNTIME_DIR.</summary>
    public static SystemdBus OpenUser()
    {
        int r = SdBus.sd_bus_open_user(out var bus);
        if (r >= 0) return new SystemdBus(bus, BusKind.User, "user bus", direct: false);
        var runtimeDir = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        if (!string.IsNullOrEmpty(runtimeDir))
        {
            var priv = Path.Combine(runtimeDir, "systemd", "private");
            if (File.Exists(priv))
            {
                try { return OpenAddress("unix:path=" + priv, busClient: false, BusKind.User); }
                catch (SystemdException) { /* report the bus error below */ }
            }
        }
        var where = Environment.GetEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS") is { Length: > 0 } a
            ? a : string.IsNullOrEmpty(runtimeDir) ? "(no DBUS_SESSION_BUS_ADDRESS, no XDG_RUNTIME_DIR)" : $"unix:path={runtimeDir}/bus";
        throw new SystemdException($"sd_bus_open_user ({where})", -r);
    }

    /// <summary>Connects to a D-Bus address such as "unix:path=/run/user/1000/bus". busClient:
    /// true for a bus daemon (Hello, unique name), false for a peer such as systemd's private socket.</summary>
    public static SystemdBus OpenAddress(string address, bool busClient, BusKind kind = BusKind.User)
    {
        int r = SdBus.sd_bus_new(out var bus);
        if (r < 0) throw new SystemdException("sd_bus_new", -r);
        try
        {
            r = SdBus.sd_bus_set_address(bus, address);
            if (r < 0) throw new SystemdException($"sd_bus_set_address({address})", -r);
            r = SdBus.sd_bus_set_bus_client(bus, busClient ? 1 : 0);
            if (r < 0) throw new SystemdException("sd_bus_set_bus_client", -r);
            r = SdBus.sd_bus_start(bus);
            if (r < 0) throw new SystemdException($"sd_bus_start({address})", -r);
        }
        catch
        {
            SdBus.sd_bus_unref(bus);
            throw;
        }
        return new SystemdBus(bus, kind, address, direct: !busClient);
    }

    /// <summary>
    /// Whether a systemd manager answers on that bus within <paramref name="timeout"/>: connects
    /// and reads the manager's Version. Never throws; reason says why not (or the version).
    /// </summary>
    public static bool IsManagerReachable(BusKind kind, TimeSpan timeout, out string reason) =>
        Probe(() => Open(kind), timeout, (bus, left) => $"systemd {bus.GetManagerVersion(left)} on {bus.Description}", out reason) is not null;

    /// <summary>As <see cref="IsManagerReachable(BusKind, TimeSpan, out string)"/>, at an address.</summary>
    public static bool IsManagerReachable(string address, bool busClient, TimeSpan timeout, out string reason) =>
        Probe(() => OpenAddress(address, busClient), timeout, (bus, left) => $"systemd {bus.GetManagerVersion(left)} on {bus.Description}", out reason) is not null;

    /// <summary>The manager's own cgroup (its ControlGroup property: "/user.slice/user-1000.slice/
    /// user@1000.service" for a user manager, "" or "/" for the system manager), or null when no
    /// manager answers within <paramref name="timeout"/> (reason says why). Never throws.</summary>
    public static string? ManagerControlGroup(BusKind kind, TimeSpan timeout, out string reason) =>
        Probe(() => Open(kind), timeout, (bus, left) => bus.GetProperty(ManagerPath, ManagerInterface, "ControlGroup", left).AsString(), out reason);

    /// <summary>Connects, waits (bounded) until ready, then asks query with the time left (never
    /// zero: sd-bus reads 0 as its default). Null when any of it fails; reason says why.</summary>
    private static string? Probe(Func<SystemdBus> open, TimeSpan timeout, Func<SystemdBus, TimeSpan, string> query, out string reason)
    {
        try
        {
            var sw = Stopwatch.StartNew();
            using var bus = open();
            bus.WaitReady(timeout);
            var left = timeout - sw.Elapsed;
            string answer = query(bus, left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
            reason = answer;
            return answer;
        }
        catch (Exception e) when (e is SystemdException or DllNotFoundException or EntryPointNotFoundException or InvalidCastException)
        {
            reason = e is DllNotFoundException ? $"{SdBus.Lib} cannot be loaded: {e.Message}" : e.Message;
            return null;
        }
    }

    /// <summary>
    /// Waits (bounded) until the connection is authenticated and ready. sd-bus's own calls wait
    /// for that with its 90 s authentication time-out whatever the call's time-out, so a peer
    /// that accepts but never answers would hold a probe that long; this bounds it.
    /// </summary>
    public void WaitReady(TimeSpan timeout)
    {
        lock (Lock)
        {
            var sw = Stopwatch.StartNew();
            while (true)
            {
                int r = SdBus.sd_bus_is_ready(Handle);
                if (r < 0) throw new SystemdException($"sd_bus_is_ready ({Description})", -r);
                if (r > 0) return;
                r = SdBus.sd_bus_process(Handle, null);
                if (r < 0) throw new SystemdException($"connecting to {Description}", -r);
                if (r > 0) continue;
                var left = timeout - sw.Elapsed;
                if (left <= TimeSpan.Zero)
                    throw new SystemdException($"connecting to {Description}", Errnos.ETIMEDOUT,
                        message: $"connecting to {Description}: not ready (no authentication answer) within {timeout.TotalSeconds:0.###} s");
                WaitForInput(left);
            }
        }
    }

    /// <summary>The manager's Version property, e.g. "252.39-1~deb12u2".</summary>
    public string GetManagerVersion(TimeSpan? timeout = null) =>
        GetProperty(ManagerPath, ManagerInterface, "Version", timeout).AsString();

    /// <summary>This connection's unique name on the bus (null on a direct connection).</summary>
    public string? UniqueName
    {
        get
        {
            lock (Lock)
            {
                if (IsDirect) return null;
                int r = SdBus.sd_bus_get_unique_name(Handle, out var p);
                if (r < 0) throw new SystemdException("sd_bus_get_unique_name", -r);
                return Marshal.PtrToStringUTF8(p);
            }
        }
    }

    // ---- calls ----

    internal BusMessage NewMethodCall(string path, string iface, string member, string context)
    {
        int r = SdBusMessage.sd_bus_message_new_method_call(Handle, out var m, Destination, path, iface, member);
        if (r < 0) throw new SystemdException($"{context}: sd_bus_message_new_method_call", -r);
        return new BusMessage(m, context);
    }

    internal BusMessage NewManagerCall(string member, string context) =>
        NewMethodCall(ManagerPath, ManagerInterface, member, context);

    /// <summary>
    /// Sends m and waits (bounded) for the reply; a D-Bus error or a failure becomes a
    /// SystemdException naming m's context and the error. Not sd_bus_call: its poll fails with
    /// EINTR when any signal arrives (SIGCHLD when a child exits, as one does when a scope is
    /// stopped), after the call was sent; here the reply is awaited through sd_bus_call_async
    /// and a wait loop that rides over EINTR. Match callbacks run meanwhile. Caller holds Lock.
    /// </summary>
    internal BusMessage Call(BusMessage m, TimeSpan? timeout)
    {
        var t = timeout ?? DefaultCallTimeout;
        var pending = new PendingCall();
        var handle = GCHandle.Alloc(pending);
        IntPtr slot = IntPtr.Zero;
        try
        {
            int r = SdBus.sd_bus_call_async(Handle, out slot, m.Handle, &OnReply, GCHandle.ToIntPtr(handle), ToUsec(t));
            if (r < 0) throw new SystemdException(m.Context, -r);
            var sw = Stopwatch.StartNew();
            // sd-bus answers NoReply itself at t; the grace only guards against a lost wake-up.
            var limit = t == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : t + TimeSpan.FromSeconds(2);
            while (pending.Reply == IntPtr.Zero)
            {
                r = SdBus.sd_bus_process(Handle, null);
                if (r < 0) throw new SystemdException($"{m.Context}: sd_bus_process ({Description})", -r);
                if (r > 0) continue;
                if (limit != Timeout.InfiniteTimeSpan && sw.Elapsed > limit)
                    throw new SystemdException(m.Context, Errnos.ETIMEDOUT, message: $"{m.Context}: no reply within {t.TotalSeconds:0.###} s");
                WaitForInput(limit == Timeout.InfiniteTimeSpan ? limit : limit - sw.Elapsed);
            }
        }
        finally
        {
            if (slot != IntPtr.Zero) SdBus.sd_bus_slot_unref(slot);
            handle.Free();
        }
        var reply = new BusMessage(pending.Reply, m.Context + " reply");
        var error = SdBusMessage.sd_bus_message_get_error(reply.Handle);
        if (error != null)
        {
            string? name = error->Name != IntPtr.Zero ? Marshal.PtrToStringUTF8(error->Name) : null;
            string? message = error->Message != IntPtr.Zero ? Marshal.PtrToStringUTF8(error->Message) : null;
            int errno = SdBusMessage.sd_bus_message_get_errno(reply.Handle);
            reply.Dispose();
            throw new SystemdException(m.Context, errno > 0 ? errno : Errnos.EIO, name, message);
        }
        return reply;
    }

    private sealed class PendingCall
    {
        public IntPtr Reply;
    }

    [UnmanagedCallersOnly]
    private static int OnReply(IntPtr m, IntPtr userdata, IntPtr retError)
    {
        try
        {
            if (GCHandle.FromIntPtr(userdata).Target is PendingCall p && p.Reply == IntPtr.Zero)
                p.Reply = SdBusMessage.sd_bus_message_ref(m);
        }
        catch
        {
            // nothing may cross into C
        }
        return 1; // handled
    }

    /// <summary>usec for sd-bus: at least 1 (0 would mean sd-bus's default of 25 s).</summary>
    internal static ulong ToUsec(TimeSpan t)
    {
        if (t == Timeout.InfiniteTimeSpan) return ulong.MaxValue;
        if (t <= TimeSpan.Zero) return 1;
        double us = t.TotalMicroseconds;
        return us >= ulong.MaxValue / 2 ? ulong.MaxValue / 2 : Math.Max(1UL, (ulong)us);
    }

    /// <summary>Dispatches everything queued (match callbacks run). Caller holds Lock.</summary>
    internal void ProcessPending()
    {
        while (true)
        {
            int r = SdBus.sd_bus_process(Handle, null);
            if (r < 0) throw new SystemdException($"sd_bus_process ({Description})", -r);
            if (r == 0) return;
        }
    }

    /// <summary>Waits for input at most t. Caller holds Lock.</summary>
    internal void WaitForInput(TimeSpan t)
    {
        int r = SdBus.sd_bus_wait(Handle, ToUsec(t));
        if (r < 0 && r != -4 /* EINTR */) throw new SystemdException($"sd_bus_wait ({Description})", -r);
    }

    // ---- units and properties ----

    /// <summary>The object path of a loaded unit (Manager.GetUnit), null when systemd has no
    /// unit of that name loaded.</summary>
    public string? GetUnitPath(string unit, TimeSpan? timeout = null)
    {
        lock (Lock)
        {
            using var m = NewManagerCall("GetUnit", $"GetUnit({unit})");
            m.AppendString(unit);
            try
            {
                using var reply = Call(m, timeout);
                return reply.ReadObjectPath();
            }
            catch (SystemdException e) when (e.IsNoSuchUnit)
            {
                return null;
            }
        }
    }

    /// <summary>org.freedesktop.DBus.Properties.Get(iface, name) on a systemd object.</summary>
    public BusValue GetProperty(string objectPath, string iface, string name, TimeSpan? timeout = null)
    {
        lock (Lock)
        {
            using var m = NewMethodCall(objectPath, PropertiesInterface, "Get", $"Get({objectPath} {iface}.{name})");
            m.AppendString(iface);
            m.AppendString(name);
            using var reply = Call(m, timeout);
            return reply.ReadValue();
        }
    }

    /// <summary>
    /// A property of a loaded unit. iface null: the interface of the unit's type (".scope" ->
    /// org.freedesktop.systemd1.Scope, where Delegate, ControlGroup and MemoryMax live), falling
    /// back to org.freedesktop.systemd1.Unit (ActiveState, Description, ...). Throws
    /// SystemdException (IsNoSuchUnit) when the unit is not loaded.
    /// </summary>
    public BusValue GetUnitProperty(string unit, string name, string? iface = null, TimeSpan? timeout = null)
    {
        var path = GetUnitPath(unit, timeout)
            ?? throw new SystemdException($"GetUnit({unit})", Errnos.ENOENT, DBusErrors.NoSuchUnit, $"Unit {unit} not loaded.");
        if (iface is not null) return GetProperty(path, iface, name, timeout);
        var typed = UnitName.InterfaceOf(unit);
        if (typed is not null)
        {
            try { return GetProperty(path, typed, name, timeout); }
            catch (SystemdException e) when (e.ErrorName is DBusErrors.UnknownProperty or DBusErrors.InvalidArgs) { }
        }
        return GetProperty(path, UnitInterface, name, timeout);
    }

    public bool GetUnitPropertyBool(string unit, string name, string? iface = null) => GetUnitProperty(unit, name, iface).AsBool();
    public ulong GetUnitPropertyUInt64(string unit, string name, string? iface = null) => GetUnitProperty(unit, name, iface).AsUInt64();
    public string GetUnitPropertyString(string unit, string name, string? iface = null) => GetUnitProperty(unit, name, iface).AsString();

    /// <summary>
    /// A connection over one end of a socketpair that nobody answers: messages can be built (and
    /// sealed and read back) but not sent. For tests of the message encoding without a manager.
    /// </summary>
    internal static SystemdBus OpenUnanswered()
    {
        int* sv = stackalloc int[2];
        if (Libc.socketpair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0, sv) != 0)
            throw new SystemdException("socketpair", Marshal.GetLastPInvokeError());
        int r = SdBus.sd_bus_new(out var bus);
        if (r < 0) { Libc.close(sv[0]); Libc.close(sv[1]); throw new SystemdException("sd_bus_new", -r); }
        r = SdBus.sd_bus_set_fd(bus, sv[0], sv[0]);
        if (r >= 0) r = SdBus.sd_bus_start(bus);
        Libc.close(sv[1]);
        if (r < 0) { SdBus.sd_bus_unref(bus); throw new SystemdException("sd_bus_start(socketpair)", -r); }
        return new SystemdBus(bus, BusKind.User, "unanswered socketpair", direct: true, flushOnClose: false);
    }

    private SystemdBus(IntPtr bus, BusKind kind, string description, bool direct, bool flushOnClose)
        : this(bus, kind, description, direct)
    {
        _flushOnClose = flushOnClose;
    }

    public void Dispose()
    {
        lock (Lock)
        {
            if (_bus != IntPtr.Zero)
            {
                // sd_bus_flush waits (up to sd-bus's 90 s auth time-out) for a connection that
                // never became ready: flush only a ready one.
                if (_flushOnClose && SdBus.sd_bus_is_ready(_bus) > 0) SdBus.sd_bus_flush_close_unref(_bus);
                else { SdBus.sd_bus_close(_bus); SdBus.sd_bus_unref(_bus); }
            }
            _bus = IntPtr.Zero;
        }
    }
}
