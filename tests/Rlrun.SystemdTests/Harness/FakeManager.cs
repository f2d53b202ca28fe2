using System.Diagnostics;
using Rlrun.Systemd;
using Tmds.DBus.Protocol;

namespace Rlrun.SystemdTests.Harness;

/// <summary>
/// A private dbus-daemon (its own socket in a temp dir, stopped by PID) with a fake
/// org.freedesktop.systemd1 on it: it decodes StartTransientUnit as it arrives and answers the
/// way systemd 252 does (a job path, then JobRemoved "done" at once; PropertyReadOnly for a
/// property it is told to refuse), so what rlrun sends is checked on the wire without a manager.
/// </summary>
public sealed class FakeManager : IDisposable
{
    public const string DaemonPath = "/usr/bin/dbus-daemon";

    /// <summary>Why the fake cannot run here, or null.</summary>
    public static string? SkipReason => File.Exists(DaemonPath) ? null : $"{DaemonPath} is not installed (package dbus-daemon)";

    private readonly Process _daemon;
    private readonly string _dir;
    private readonly DBusConnection _service;
    private readonly Handler _handler = new();

    /// <summary>The private bus, e.g. "unix:path=/tmp/rlrun-bus-x/bus,guid=...".</summary>
    public string Address { get; }

    public FakeManager()
    {
        _dir = Directory.CreateTempSubdirectory("rlrun-bus-").FullName;
        var psi = new ProcessStartInfo(DaemonPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "--session", "--nofork", "--nopidfile", $"--address=unix:path={Path.Join(_dir, "bus")}", "--print-address=1" })
            psi.ArgumentList.Add(a);
        _daemon = Process.Start(psi) ?? throw new InvalidOperationException("dbus-daemon did not start");
        var line = _daemon.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(10)) || string.IsNullOrWhiteSpace(line.Result))
        {
            Stop();
            throw new InvalidOperationException($"dbus-daemon printed no address: {_daemon.StandardError.ReadToEnd()}");
        }
        Address = line.Result!.Trim();
        _service = new DBusConnection(Address);
        _service.ConnectAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
        _service.AddMethodHandler(_handler);
        _service.RequestNameAsync(SystemdBus.Destination).Wait(TimeSpan.FromSeconds(10));
    }

    /// <summary>A client connection to the fake, as rlrun makes one.</summary>
    public SystemdBus Connect() => SystemdBus.OpenAddress(Address, busClient: true);

    /// <summary>StartTransientUnit calls as received, oldest first.</summary>
    public IReadOnlyList<StartCall> Starts { get { lock (_handler) return _handler.Starts.ToList(); } }

    /// <summary>Refuse a property of this name as systemd 252 refuses an unknown one.</summary>
    public void Refuse(string property) { lock (_handler) _handler.Refused.Add(property); }

    /// <summary>Answer StartTransientUnit with a bool where an object path belongs.</summary>
    public bool AnswerWrongType { set { lock (_handler) _handler.WrongType = value; } }

    public void Reset() { lock (_handler) { _handler.Starts.Clear(); _handler.Refused.Clear(); _handler.WrongType = false; } }

    public void Dispose()
    {
        _service.Dispose();
        Stop();

    }

    private void Stop()
    {
        try { if (!_daemon.HasExited) { _daemon.Kill(); _daemon.WaitForExit(5000); } }
        catch (InvalidOperationException) { }
        _daemon.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>One StartTransientUnit as it arrived: the body's signature, name, mode, each
    /// property's (name, variant signature, value), and how many auxiliary units.</summary>
    public sealed record StartCall(string Signature, string Unit, string Mode, IReadOnlyList<(string Name, string Sig, BusValue Value)> Properties, int AuxUnits);

    private sealed class Handler : IPathMethodHandler
    {
        public readonly List<StartCall> Starts = [];
        public readonly HashSet<string> Refused = [];
        public bool WrongType;
        private uint _jobs;

        public string Path => SystemdBus.ManagerPath;
        public bool HandlesChildPaths => false;

        public ValueTask HandleMethodAsync(MethodContext context)
        {
            var request = context.Request;
            if (request.InterfaceAsString != SystemdBus.ManagerInterface || request.MemberAsString != "StartTransientUnit")
            {
                context.ReplyUnknownMethodError();
                return default;
            }
            var call = Decode(request);
            string? refused;
            bool wrongType;
            uint id;
            lock (this)
            {
                Starts.Add(call);
                refused = call.Properties.Select(p => p.Name).FirstOrDefault(Refused.Contains);
                wrongType = WrongType;
                id = ++_jobs;
            }
            if (refused is not null)
            {
                context.ReplyError(DBusErrors.PropertyReadOnly, $"Cannot set property {refused}, or unknown property.");
                return default;
            }
            if (wrongType)
            {
                var bad = context.CreateReplyWriter("b");
                bad.WriteBool(true);
                context.Reply(bad.CreateMessage());
                bad.Dispose();
                return default;
            }
            var job = $"/org/freedesktop/systemd1/job/{id}";
            var reply = context.CreateReplyWriter("o");
            reply.WriteObjectPath(job);
            context.Reply(reply.CreateMessage());
            reply.Dispose();
            // At once, as a scope's start job can finish before the caller reads the reply.
            var signal = context.Connection.GetMessageWriter();
            signal.WriteSignalHeader(null, SystemdBus.ManagerPath, SystemdBus.ManagerInterface, "JobRemoved", "uoss");
            signal.WriteUInt32(id);
            signal.WriteObjectPath(job);
            signal.WriteString(call.Unit);
            signal.WriteString("done");
            context.Connection.TrySendMessage(signal.CreateMessage());
            signal.Dispose();
            return default;
        }

        private static StartCall Decode(Message m)
        {
            var r = m.GetBodyReader();
            var unit = r.ReadString();
            var mode = r.ReadString();
            var props = new List<(string, string, BusValue)>();
            var end = r.ReadArrayStart(DBusType.Struct);
            while (r.HasNext(end))
            {
                r.AlignStruct();
                var name = r.ReadString();
                var sig = r.ReadSignatureAsString();
                props.Add((name, sig, BusRead.Value(ref r, sig)));
            }
            int aux = 0;
            var auxEnd = r.ReadArrayStart(DBusType.Struct);
            if (r.HasNext(auxEnd)) aux = 1; // never sent by rlrun; not decoded further
            return new StartCall(m.SignatureAsString, unit, mode, props, aux);
        }
    }
}

/// <summary>One fake manager for the tests of a class.</summary>
public sealed class FakeManagerFixture : IDisposable
{
    // Made with no SynchronizationContext: the library's receive loop is an async void method,
    // and one started under xunit's test context is waited for before the fixture is disposed
    // (which is what ends it): the run hung.
    private readonly Lazy<FakeManager> _manager = new(() => SystemdBus.Detached(() => new FakeManager()));

    public FakeManager Manager
    {
        get
        {
            var m = _manager.Value;
            m.Reset();
            return m;
        }
    }

    public void Dispose()
    {
        if (_manager.IsValueCreated) _manager.Value.Dispose();
    }
}
