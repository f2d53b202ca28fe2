using System.Net.Sockets;
using System.Text.Json;
using Rlrun.Runtime.Daemon;
using Rlrun.Runtime.Interop;

namespace Rlrun.Supervisor.Daemon;

/// <summary>The daemon's control socket: ROOT/daemon.sock (mode 0600), or the socket systemd
/// passed (LISTEN_FDS, rlrun.socket). Each connection carries JSON requests, one per line, each
/// answered by one line (docs/daemon-protocol.md); a peer of another uid is refused.
/// Bounds against hostile peers of the same uid (issue 18): a request line of at most 64 KiB, each
/// line complete within 10 s of the daemon waiting for it, at most 128 connections (the one idle
/// longest is closed to make room for a new one), so memory and threads stay bounded and other
/// clients are served.</summary>
public sealed class ControlSocket : IDisposable
{
    public const int MaxLine = 64 * 1024;
    public const int MaxConnections = 128;
    public static readonly TimeSpan RequestDeadline = TimeSpan.FromSeconds(10);

    /// <summary>A peer being served: Busy while the daemon works on its request (never evicted then).</summary>
    sealed class Connection(Socket peer)
    {
        public readonly Socket Peer = peer;
        public volatile bool Busy;
        public DateTime IdleSince = DateTime.UtcNow;
    }

    readonly HashSet<Connection> _connections = [];

    readonly Socket _listener;
    readonly string? _boundPath;
    volatile bool _closed;

    public bool Activated { get; }
    public string Path { get; }

    ControlSocket(Socket listener, string path, bool activated)
    {
        (_listener, Path, Activated) = (listener, path, activated);
        _boundPath = activated ? null : path;
    }

    /// <summary>The socket systemd passed as fd 3, or a new one bound at path.</summary>
    public static ControlSocket Open(string path)
    {
        if (TakeActivatedSocket() is { } passed) return new ControlSocket(passed, path, activated: true);
        // We hold the daemon lock: a socket file left here is a dead daemon's.
        if (File.Exists(path) || Directory.Exists(path)) File.Delete(path);
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            s.Bind(new UnixDomainSocketEndPoint(path));
            FileCalls.chmod(path, 0x180);
            s.Listen(128);
            return new ControlSocket(s, path, activated: false);
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    /// <summary>sd_listen_fds: LISTEN_PID is us and LISTEN_FDS is 1 or more; fd 3 is the socket.
    /// The variables are removed, so no container started later inherits them.</summary>
    static Socket? TakeActivatedSocket()
    {
        string? pid = Environment.GetEnvironmentVariable("LISTEN_PID"), fds = Environment.GetEnvironmentVariable("LISTEN_FDS");
        foreach (string v in new[] { "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES" }) Environment.SetEnvironmentVariable(v, null);
        if (pid != Environment.ProcessId.ToString() || !int.TryParse(fds, out int n) || n < 1) return null;
        Libc.fcntl(3, Libc.F_SETFD, Libc.FD_CLOEXEC);
        return new Socket(new SafeSocketHandle(3, ownsHandle: true));
    }

    /// <summary>Accepts on a thread of its own; each connection is served on a thread of its own
    /// (a stop may wait for its container for seconds).</summary>
    public void Serve(Func<DaemonRequest, DaemonResponse> handle, Action<string> warn)
    {
        var thread = new Thread(() =>
        {
            while (!_closed)
            {
                Socket peer;
                try { peer = _listener.Accept(); }
                catch (Exception) when (_closed) { return; }
                catch (SocketException e)
                {
                    warn($"accept on {Path}: {e.Message}");
                    Thread.Sleep(100);
                    continue;
                }
                var connection = new Connection(peer);
                if (!Admit(connection, warn))
                {
                    Refuse(peer, $"too many connections (at most {MaxConnections}, all busy)");
                    continue;
                }
                new Thread(() =>
                {
                    try { Converse(connection, handle, warn); }
                    finally { lock (_connections) _connections.Remove(connection); }
                }) { IsBackground = true, Name = "daemon-conn" }.Start();
            }
        })
        { IsBackground = true, Name = "daemon-accept" };
        thread.Start();
    }

    /// <summary>Makes room for a new connection: at the limit, the one idle longest (waiting for a
    /// request, not being answered) is shut down. False when every connection is busy.</summary>
    bool Admit(Connection connection, Action<string> warn)
    {
        lock (_connections)
        {
            if (_connections.Count >= MaxConnections)
            {
                var idlest = _connections.Where(c => !c.Busy).MinBy(c => c.IdleSince);
                if (idlest is null) return false;
                _connections.Remove(idlest);
                try { idlest.Peer.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
                warn($"more than {MaxConnections} connections: closing the one idle longest");
            }
            _connections.Add(connection);
            return true;
        }
    }

    static void Refuse(Socket peer, string error)
    {
        using var _ = peer;
        try
        {
            peer.SendTimeout = 1000;
            using var stream = new NetworkStream(peer, ownsSocket: false);
            Send(stream, new DaemonResponse { Error = error });
        }
        catch (Exception e) when (e is IOException or SocketException) { }
    }

    static void Converse(Connection connection, Func<DaemonRequest, DaemonResponse> handle, Action<string> warn)
    {
        var peer = connection.Peer;
        using var _ = peer;
        // A peer that does not read its answers must not hold the thread either.
        peer.SendTimeout = (int)RequestDeadline.TotalMilliseconds;
        using var stream = new NetworkStream(peer, ownsSocket: false);
        try
        {
            var (pid, uid) = PeerCredentials.Of(peer);
            uint us = ProcessCalls.geteuid();
            if (uid != us)
            {
                Send(stream, new DaemonResponse { Error = $"permission denied: the daemon serves uid {us}, and the peer (pid {pid}) is uid {uid}" });
                warn($"refused a connection from pid {pid}, uid {uid}");
                return;
            }
            var reader = new RequestLineReader(peer, MaxLine, RequestDeadline);
            while (true)
            {
                string? line;
                try { line = reader.ReadLine(); }
                catch (Exception e) when (e is RequestTooLongException or TimeoutException)
                {
                    Send(stream, new DaemonResponse { Error = $"{e.Message}: closing the connection" });
                    return;
                }
                if (line is null) return;
                connection.Busy = true;
                DaemonResponse response;
                try
                {
                    var request = JsonSerializer.Deserialize(line, DaemonJsonContext.Default.DaemonRequest)
                                  ?? throw new JsonException("empty request");
                    response = handle(request);
                }
                catch (JsonException e) { response = new DaemonResponse { Error = $"bad request: {e.Message}" }; }
                catch (Exception e) when (e is not OutOfMemoryException) { response = new DaemonResponse { Error = e.Message }; }
                Send(stream, response);
                connection.IdleSince = DateTime.UtcNow;
                connection.Busy = false;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException) { }
    }

    static void Send(NetworkStream stream, DaemonResponse response)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(response, DaemonJsonContext.Default.DaemonResponse);
        stream.Write(bytes);
        stream.WriteByte((byte)'\n');
    }

    public void Dispose()
    {
        _closed = true;
        // Not systemd's socket: closing it under a blocked Accept makes .NET shutdown(2) it, and a
        // shutdown reaches systemd's copy too (one socket), which then fails the socket unit.
        // It closes with the process.
        if (Activated) return;
        _listener.Dispose();
        if (_boundPath is not null) File.Delete(_boundPath);
    }
}
