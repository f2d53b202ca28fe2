using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Rlrun.Runtime.Daemon;
using Rlrun.Runtime.Interop;

namespace Rlrun.Cli;

/// <summary>rlrun's side of the daemon's control socket (docs/daemon-protocol.md). When no daemon
/// answers a request, or a command touches supervised containers (Revive), one is started
/// (<see cref="DaemonLauncher"/>), its output in $XDG_STATE_HOME/rlrun/daemon.log.</summary>
static class DaemonClient
{
    static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(10);

    public static DaemonResponse Call(CommandContext ctx, DaemonRequest request, bool startIfNeeded = true)
    {
        string path = DaemonPaths.Socket(ctx.Root);
        var socket = TryConnect(path);
        if (socket is null && startIfNeeded) socket = ConnectOrStart(ctx, path);
        if (socket is null) throw new IOException($"no rlrun daemon answers on {path}");
        using (socket)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(request, DaemonJsonContext.Default.DaemonRequest);
            socket.Send([.. bytes, (byte)'\n']);
            var line = new List<byte>();
            var buf = new byte[4096];
            while (true)
            {
                int n = socket.Receive(buf);
                if (n <= 0) throw new IOException($"the rlrun daemon on {path} closed the connection without an answer");
                int nl = Array.IndexOf(buf, (byte)'\n', 0, n);
                line.AddRange(buf.AsSpan(0, nl < 0 ? n : nl).ToArray());
                if (nl >= 0) break;
            }
            return JsonSerializer.Deserialize(Encoding.UTF8.GetString(line.ToArray()), DaemonJsonContext.Default.DaemonResponse)
                   ?? throw new IOException($"the rlrun daemon on {path} sent an empty answer");
        }
    }

    /// <summary>Waits for the daemon's socket, starting a daemon only while none holds the root's
    /// lock: a daemon that holds it is coming up (or going down, and then the lock frees), and a
    /// second one started now would only be turned away (issue 18: two clients racing a
    /// restarting daemon). One start at most; the daemon that wins the lock serves.</summary>
    static Socket ConnectOrStart(CommandContext ctx, string path)
    {
        var deadline = DateTime.UtcNow + StartPatience;
        bool started = false;
        while (true)
        {
            if (TryConnect(path) is { } socket) return socket;
            bool alive = DaemonPaths.DaemonAlive(ctx.Root);
            if (!alive && !started)
            {
                DaemonLauncher.Start(ctx);
                started = true;
            }
            if (DateTime.UtcNow > deadline)
                throw new IOException(alive
                    ? $"the rlrun daemon holding {DaemonPaths.Lock(ctx.Root)} did not answer on {path} within {StartPatience.TotalSeconds:0}s (see {DaemonPaths.Log()})"
                    : $"the rlrun daemon did not come up on {path} within {StartPatience.TotalSeconds:0}s (see {DaemonPaths.Log()})");
            Thread.Sleep(10);
        }
    }

    /// <summary>Call, and an error answer becomes an exception with the daemon's message.</summary>
    public static DaemonResponse Must(CommandContext ctx, DaemonRequest request)
    {
        var r = Call(ctx, request);
        if (!r.Ok) throw new DaemonException(r.Error ?? "the daemon gave no reason");
        return r;
    }

    static Socket? TryConnect(string path)
    {
        if (!File.Exists(path)) return null;
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            s.Connect(new UnixDomainSocketEndPoint(path));
            return s;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable or SocketError.AccessDenied)
        {
            s.Dispose();
            if (e.SocketErrorCode == SocketError.AccessDenied) throw new IOException($"{path}: {e.Message}");
            return null;
        }
    }

    /// <summary>For a command that touches supervised containers (list; state, kill, logs of a
    /// supervised one): when the root has supervision records and no daemon answers (killed with
    /// -9, crashed, with no rlrun.socket to bring it back), one is started, so that an exit goes
    /// through its policy again. Not waited for: the daemon adopts the containers on its own.</summary>
    /// <param name="id">the container the command is about; null: any record counts</param>
    public static void Revive(CommandContext ctx, string? id = null)
    {
        if (id is not null && !Runtime.State.ContainerId.IsValid(id)) return; // the command itself says why
        if (id is null ? !DaemonPaths.AnySupervised(ctx.Root) : !DaemonPaths.IsSupervised(ctx.Root, id)) return;
        string path = DaemonPaths.Socket(ctx.Root);
        try
        {
            // A daemon listens, or systemd does on its behalf (the connection then starts it).
            using (var answered = TryConnect(path)) if (answered is not null) return;
            // A daemon holds the lock without a socket yet: it is coming up and adopts them itself.
            if (DaemonPaths.DaemonAlive(ctx.Root))
            {
                ctx.Log.Debug($"a daemon holds {DaemonPaths.Lock(ctx.Root)} and is not serving yet: not starting another");
                return;
            }
            ctx.Log.Debug($"supervised containers in {ctx.Root} and no daemon on {path}: starting one");
            if (DaemonLauncher.Start(ctx) == DaemonStart.SocketUnit) TryConnect(path)?.Dispose(); // rlrun.socket started: connect to start rlrun.service
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SyscallException or System.Net.Sockets.SocketException)
        {
            ctx.Log.Warn($"no rlrun daemon supervises the containers in {ctx.Root}, and none could be started: {e.Message}");
        }
    }

    /// <summary>rlrun-supervisor's arguments for the daemon of this context's root and settings.</summary>
    public static List<string> DaemonArgv(CommandContext ctx)
    {
        var s = ctx.Settings;
        string Ms(TimeSpan t) => t.TotalMilliseconds.ToString(CultureInfo.InvariantCulture);
        var argv = new List<string>
        {
            "daemon", "--root", ctx.Root, "--cgroup-manager", ctx.CgroupManager,
            "--restart-delay", Ms(s.RestartInitialDelay), "--restart-max-delay", Ms(s.RestartMaxDelay),
            "--restart-reset-after", Ms(s.RestartResetAfter),
            "--log-max-size", s.LogMaxSize.ToString(CultureInfo.InvariantCulture),
            "--log-max-files", s.LogMaxFiles.ToString(CultureInfo.InvariantCulture),
        };
        if (ctx.Log.DebugEnabled) argv.Add("--debug");
        return argv;
    }
}

sealed class DaemonException(string message) : Exception(message);
