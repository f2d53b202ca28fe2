using System.Diagnostics;
using System.Net.Sockets;
using Rlrun.Systemd.Interop;
using Tmds.DBus.Protocol;

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
/// A connection to a systemd manager over D-Bus (Tmds.DBus.Protocol). rlrun is a short-lived,
/// synchronous CLI: each call is sent and its reply awaited with a bound. One connection is used
/// by one operation at a time: the operations take <see cref="Lock"/>. Dispose closes it.
/// </summary>
public sealed class SystemdBus : IDisposable
{
    public const string Destination = "org.freedesktop.systemd1";
    public const string ManagerPath = "/org/freedesktop/systemd1";
    public const string ManagerInterface = "org.freedesktop.systemd1.Manager";
    public const string UnitInterface = "org.freedesktop.systemd1.Unit";
    public const string PropertiesInterface = "org.freedesktop.DBus.Properties";

    /// <summary>Default bound for one method call (sd-bus's default), and for connecting.</summary>
    public static readonly TimeSpan DefaultCallTimeout = TimeSpan.FromSeconds(25);

    private readonly DBusConnection _connection;
    internal readonly object Lock = new();

    /// <summary>What the connection is to, e.g. "user bus" or "unix:path=/run/user/1000/systemd/private".</summary>
    public string Description { get; }

    /// <summary>Which manager: User or System (never Auto).</summary>
    public BusKind Kind { get; }

    /// <summary>A direct (peer-to-peer) connection, e.g. to systemd's private socket, no bus
    /// daemon: nothing answered Hello with a unique name, and signals carry no sender.</summary>
    public bool IsDirect => _connection.UniqueName is null;

    private SystemdBus(DBusConnection connection, BusKind kind, string description)
    {
        _connection = connection;
        Kind = kind;
        Description = description;
    }

    internal DBusConnection Connection => _connection;

    /// <summary>Connects (bounded by <see cref="DefaultCallTimeout"/>) to the manager
    /// <paramref name="kind"/> names. Throws SystemdException when no connection can be made
    /// (use <see cref="IsManagerReachable(BusKind, TimeSpan, out string)"/> to probe).</summary>
    public static SystemdBus Open(BusKind kind = BusKind.Auto) => Open(kind, DefaultCallTimeout);

    private static SystemdBus Open(BusKind kind, TimeSpan timeout)
    {
        if (kind == BusKind.Auto) kind = ResolveAuto();
        return kind == BusKind.System ? OpenSystem(timeout) : OpenUser(timeout);
    }

    /// <summary>What <see cref="BusKind.Auto"/> means for this process: System for euid 0 in
    /// the initial user namespace, else User.</summary>
    public static BusKind ResolveAuto() =>
        Libc.geteuid() == 0 && IsInitialUserNamespace(BusUserId.ReadUidMap()) ? BusKind.System : BusKind.User;

    /// <summary>A uid_map of the initial user namespace: the single identity line
    /// "0 0 4294967295" (null: unknown, taken as initial).</summary>
    internal static bool IsInitialUserNamespace(string? uidMap)
    {
        if (uidMap is null) return true;
        var lines = uidMap.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 1 && lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["0", "0", "4294967295"];
    }

    /// <summary>The system bus: DBUS_SYSTEM_BUS_ADDRESS, else /run/dbus/system_bus_socket.</summary>
    public static SystemdBus OpenSystem() => OpenSystem(DefaultCallTimeout);

    private static SystemdBus OpenSystem(TimeSpan timeout)
    {
        var address = Environment.GetEnvironmentVariable("DBUS_SYSTEM_BUS_ADDRESS") is { Length: > 0 } a ? a : "unix:path=/run/dbus/system_bus_socket";
        return Connect(address, BusKind.System, "system bus", timeout);
    }

    /// <summary>The user's manager: the session bus (DBUS_SESSION_BUS_ADDRESS, else
    /// $XDG_RUNTIME_DIR/bus) when it connects, else (no bus socket, e.g. no dbus-user-session)
    /// the manager's private socket under XDG_RUNTIME_DIR.</summary>
    public static SystemdBus OpenUser() => OpenUser(DefaultCallTimeout);

    private static SystemdBus OpenUser(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        var runtimeDir = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        var address = Environment.GetEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS") is { Length: > 0 } a ? a
            : string.IsNullOrEmpty(runtimeDir) ? null : $"unix:path={runtimeDir}/bus";
        SystemdException? busError = null;
        if (address is not null)
        {
            try { return Connect(address, BusKind.User, "user bus", timeout); }
            catch (SystemdException e) { busError = e; }
        }
        if (!string.IsNullOrEmpty(runtimeDir))
        {
            var priv = Path.Combine(runtimeDir, "systemd", "private");
            if (File.Exists(priv))
            {
                try { return OpenAddress("unix:path=" + priv, busClient: false, BusKind.User, Left(timeout, sw)); }
                catch (SystemdException e) when (busError is not null)
                {
                    throw new SystemdException(busError.Call, busError.Errno, message: $"{busError.Message}; {e.Message}");
                }
            }
        }
        throw busError ?? new SystemdException("connecting to the user bus", Errnos.ENOENT,
            message: "connecting to the user bus: no DBUS_SESSION_BUS_ADDRESS, no XDG_RUNTIME_DIR");
    }

    /// <summary>Connects to a D-Bus address such as "unix:path=/run/user/1000/bus". busClient:
    /// true for a bus daemon, false for a peer such as systemd's private socket (which of the two
    /// it is shows in the answer to Hello: a unique name from a bus, an error from a peer).</summary>
    public static SystemdBus OpenAddress(string address, bool busClient, BusKind kind = BusKind.User) =>
        OpenAddress(address, busClient, kind, DefaultCallTimeout);

    private static SystemdBus OpenAddress(string address, bool busClient, BusKind kind, TimeSpan timeout) =>
        Connect(address, kind, address, timeout, direct: !busClient);

    /// <summary>
    /// Connects, authenticates and says Hello, all bounded by timeout: a peer that accepts the
    /// connection and never answers fails here with "not ready" instead of holding the caller.
    /// </summary>
    private static SystemdBus Connect(string address, BusKind kind, string description, TimeSpan timeout, bool direct = false)
    {
        var connection = new DBusConnection(new ManagerConnectionOptions(address, direct));
        try
        {
            var context = $"connecting to {description}";
            Wait(Detached(() => connection.ConnectAsync().AsTask()), timeout, context,
                $"{context}: not ready (no authentication answer) within {timeout.TotalSeconds:0.###} s");
            return new SystemdBus(connection, kind, description);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>No fd passing (one fewer handshake step), the uid the daemon sees us as, no read
    /// of the machine id (only a served object would need it); to a peer at a unix:path
    /// address, our own socket with BEGIN pipelined (<see cref="PipelinedAuthStream"/>).</summary>
    private sealed class ManagerConnectionOptions : DBusConnectionOptions
    {
        private const string MachineIdUnknown = "00000000000000000000000000000000";
        private const string UnixPath = "unix:path=";
        private readonly string address;
        private readonly bool direct;

        public ManagerConnectionOptions(string address, bool direct) : base(address)
        {
            this.address = address;
            this.direct = direct;
        }

        protected override async ValueTask<SetupResult> SetupAsync(CancellationToken cancellationToken)
        {
            var userId = BusUserId.Current();
            if (!direct || !address.StartsWith(UnixPath, StringComparison.Ordinal))
                return new SetupResult(address) { SupportsFdPassing = false, UserId = userId, MachineId = MachineIdUnknown };
            var path = address[UnixPath.Length..].Split(',', ';')[0];
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            var stream = new PipelinedAuthStream(socket);
            return new SetupResult { ConnectionStream = stream, TeardownToken = stream, UserId = userId, MachineId = MachineIdUnknown };
        }

        protected override void Teardown(object? token) => (token as IDisposable)?.Dispose();
    }

    /// <summary>
    /// Whether a systemd manager answers on that bus within <paramref name="timeout"/>: connects
    /// and reads the manager's Version. Never throws; reason says why not (or the version).
    /// </summary>
    public static bool IsManagerReachable(BusKind kind, TimeSpan timeout, out string reason) =>
        Probe(t => Open(kind, t), timeout, (bus, left) => $"systemd {bus.GetManagerVersion(left)} on {bus.Description}", out reason) is not null;

    /// <summary>As <see cref="IsManagerReachable(BusKind, TimeSpan, out string)"/>, at an address.</summary>
    public static bool IsManagerReachable(string address, bool busClient, TimeSpan timeout, out string reason) =>
        Probe(t => OpenAddress(address, busClient, BusKind.User, t), timeout, (bus, left) => $"systemd {bus.GetManagerVersion(left)} on {bus.Description}", out reason) is not null;

    /// <summary>The manager's own cgroup (its ControlGroup property: "/user.slice/user-1000.slice/
    /// user@1000.service" for a user manager, "" or "/" for the system manager), or null when no
    /// manager answers within <paramref name="timeout"/> (reason says why). Never throws.</summary>
    public static string? ManagerControlGroup(BusKind kind, TimeSpan timeout, out string reason) =>
        Probe(t => Open(kind, t), timeout, (bus, left) => bus.GetProperty(ManagerPath, ManagerInterface, "ControlGroup", left).AsString(), out reason);

    /// <summary>Connects within timeout, then asks query with the time left. Null when any of it
    /// fails; reason says why.</summary>
    private static string? Probe(Func<TimeSpan, SystemdBus> open, TimeSpan timeout, Func<SystemdBus, TimeSpan, string> query, out string reason)
    {
        try
        {
            var sw = Stopwatch.StartNew();
            using var bus = open(timeout);
            string answer = query(bus, Left(timeout, sw));
            reason = answer;
            return answer;
        }
        catch (Exception e) when (e is SystemdException or InvalidCastException)
        {
            reason = e.Message;
            return null;
        }
    }

    private static TimeSpan Left(TimeSpan timeout, Stopwatch sw)
    {
        var left = timeout - sw.Elapsed;
        return left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);
    }

    /// <summary>The manager's Version property, e.g. "252.39-1~deb12u2".</summary>
    public string GetManagerVersion(TimeSpan? timeout = null) =>
        GetProperty(ManagerPath, ManagerInterface, "Version", timeout).AsString();

    /// <summary>This connection's unique name on the bus (null on a direct connection).</summary>
    public string? UniqueName => _connection.UniqueName;

    // ---- calls ----

    /// <summary>A method call to systemd with its header written: the caller writes the body
    /// (of that signature), then CreateMessage and Dispose.</summary>
    internal MessageWriter NewMethodCall(string path, string iface, string member, string? signature)
    {
        var w = _connection.GetMessageWriter();
        w.WriteMethodCallHeader(Destination, path, iface, member, signature);
        return w;
    }

    internal MessageWriter NewManagerCall(string member, string? signature) =>
        NewMethodCall(ManagerPath, ManagerInterface, member, signature);

    /// <summary>Reads a reply's body.</summary>
    internal delegate T BodyReader<T>(ref Reader reader);

    /// <summary>
    /// Sends m and waits (bounded) for the reply, which must have the signature
    /// <paramref name="replySignature"/>; read reads its body. A D-Bus error answer, a reply of
    /// another signature, a closed connection or no reply in time becomes a SystemdException
    /// naming context (e.g. "StopUnit(x.scope, replace)") and the error.
    /// </summary>
    internal T Call<T>(MessageBuffer m, string context, string replySignature, BodyReader<T> read, TimeSpan? timeout)
    {
        var t = timeout ?? DefaultCallTimeout;
        var reply = Detached(() => _connection.CallMethodAsync(m, static (message, state) =>
        {
            var (context, signature, read) = ((string, string, BodyReader<T>))state!;
            if (message.SignatureAsString != signature)
                throw new SystemdException(context, Errnos.EBADMSG,
                    message: $"{context}: the reply has signature '{message.SignatureAsString}', not '{signature}'");
            var reader = message.GetBodyReader();
            try { return read(ref reader); }
            catch (Exception e) when (e is not SystemdException)
            {
                throw new SystemdException(context, Errnos.EBADMSG, message: $"{context}: unreadable reply: {e.Message}");
            }
        }, (context, replySignature, read)));
        return Wait(reply, t, context, $"{context}: no reply within {t.TotalSeconds:0.###} s");
    }

    /// <summary>A call whose reply has no body worth reading.</summary>
    internal void Call(MessageBuffer m, string context, TimeSpan? timeout)
    {
        var t = timeout ?? DefaultCallTimeout;
        Wait(Detached(() => _connection.CallMethodAsync(m)), t, context, $"{context}: no reply within {t.TotalSeconds:0.###} s");
    }

    /// <summary>
    /// Starts asynchronous work with no SynchronizationContext. The library starts its receive
    /// loop as an async void method and resumes one await (AddMatch) without ConfigureAwait, so
    /// under a caller's context the loop is counted as that context's pending operation (xunit
    /// waits for those: a run hung) and a continuation needs the context the caller is blocking.
    /// rlrun itself has no context; this keeps the blocking calls safe for callers that do.
    /// </summary>
    internal static T Detached<T>(Func<T> start)
    {
        var saved = SynchronizationContext.Current;
        if (saved is null) return start();
        SynchronizationContext.SetSynchronizationContext(null);
        try { return start(); }
        finally { SynchronizationContext.SetSynchronizationContext(saved); }
    }

    /// <summary>Waits for task at most timeout; its failure as a SystemdException naming context.</summary>
    internal static T Wait<T>(Task<T> task, TimeSpan timeout, string context, string timeoutMessage)
    {
        Wait((Task)task, timeout, context, timeoutMessage);
        return task.Result;
    }

    internal static void Wait(Task task, TimeSpan timeout, string context, string timeoutMessage)
    {
        bool done;
        try { done = task.Wait(timeout); }
        catch (AggregateException e) { throw Translate(context, e.InnerException ?? e); }
        if (done) return;
        // Abandoned: observe its eventual failure so it is not reported as unobserved.
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        throw new SystemdException(context, Errnos.ETIMEDOUT, message: timeoutMessage);
    }

    /// <summary>What Tmds.DBus.Protocol threw, as a SystemdException naming context.</summary>
    internal static SystemdException Translate(string context, Exception e) => e switch
    {
        SystemdException s => s,
        DBusErrorReplyException r => new SystemdException(context, DBusErrors.ErrnoOf(r.ErrorName), r.ErrorName, r.ErrorMessage),
        _ => new SystemdException(context, ErrnoOf(e), message: $"{context}: {Describe(e)}"),
    };

    private static int ErrnoOf(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is SocketException se) return se.SocketErrorCode switch
            {
                SocketError.AddressNotAvailable => Errnos.ENOENT, // a unix socket path that does not exist
                SocketError.ConnectionRefused => Errnos.ECONNREFUSED,
                SocketError.AccessDenied => Errnos.EACCES,
                SocketError.TimedOut => Errnos.ETIMEDOUT,
                _ => Errnos.ECONNRESET,
            };
        }
        return e is DBusConnectionClosedException or ObjectDisposedException ? Errnos.ENOTCONN : Errnos.ECONNRESET;
    }

    /// <summary>The innermost useful message: "No such file or directory", "Authentication failure".</summary>
    private static string Describe(Exception e)
    {
        var x = e;
        while (x.InnerException is not null && (x is DBusConnectionException || x.Message == x.InnerException.Message)) x = x.InnerException;
        return x.Message;
    }

    // ---- units and properties ----

    /// <summary>The object path of a loaded unit (Manager.GetUnit), null when systemd has no
    /// unit of that name loaded.</summary>
    public string? GetUnitPath(string unit, TimeSpan? timeout = null)
    {
        lock (Lock)
        {
            var w = NewManagerCall("GetUnit", "s");
            MessageBuffer m;
            try
            {
                BusWrite.String(ref w, unit);
                m = w.CreateMessage();
            }
            finally { w.Dispose(); }
            try
            {
                return Call(m, $"GetUnit({unit})", "o", static (ref Reader r) => r.ReadObjectPathAsString(), timeout);
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
            var w = NewMethodCall(objectPath, PropertiesInterface, "Get", "ss");
            MessageBuffer m;
            try
            {
                BusWrite.String(ref w, iface);
                BusWrite.String(ref w, name);
                m = w.CreateMessage();
            }
            finally { w.Dispose(); }
            return Call(m, $"Get({objectPath} {iface}.{name})", "v", static (ref Reader r) => BusRead.Variant(ref r), timeout);
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

    public void Dispose() => _connection.Dispose();
}
