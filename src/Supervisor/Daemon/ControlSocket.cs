using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Rlrun.Runtime.Daemon;
using Rlrun.Runtime.Interop;

namespace Rlrun.Supervisor.Daemon;

/// <summary>The daemon's control socket: ROOT/daemon.sock (mode 0600), or the socket systemd
/// passed (LISTEN_FDS, rlrun.socket). Each connection carries JSON requests, one per line, each
/// answered by one line (docs/daemon-protocol.md); a peer of another uid is refused.</summary>
public sealed class ControlSocket : IDisposable
{
    const int MaxLine = 64 * 1024;

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
                new Thread(() => Converse(peer, handle, warn)) { IsBackground = true, Name = "daemon-conn" }.Start();
            }
        })
        { IsBackground = true, Name = "daemon-accept" };
        thread.Start();
    }

    static void Converse(Socket peer, Func<DaemonRequest, DaemonResponse> handle, Action<string> warn)
    {
        using var _ = peer;
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
            var reader = new BufferedStream(stream, 4096);
            while (ReadLine(reader) is { } line)
            {
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

    static string? ReadLine(Stream stream)
    {
        var line = new List<byte>();
        while (true)
        {
            int b = stream.ReadByte();
            if (b < 0) return line.Count == 0 ? null : Encoding.UTF8.GetString(line.ToArray());
            if (b == '\n') return Encoding.UTF8.GetString(line.ToArray());
            if (line.Count >= MaxLine) throw new IOException($"request longer than {MaxLine} bytes");
            line.Add((byte)b);
        }
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
