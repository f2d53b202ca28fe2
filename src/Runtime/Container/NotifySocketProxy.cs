using System.Net.Sockets;
using System.Text;
using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Spec;

namespace Rlrun.Runtime.Container;

/// <summary>NOTIFY_SOCKET, as runc passes it: the container gets its own notify socket (a directory of
/// the state dir, bound at /run/notify), and start/run relay what it sends to the caller's socket —
/// so `rlrun run` in a Type=notify unit is ready when the container says READY=1.</summary>
public sealed class NotifySocketProxy : IDisposable
{
    public const string ContainerDir = "/run/notify", ContainerSocket = "/run/notify/notify.sock";

    readonly Socket _listener;
    readonly string _target;

    NotifySocketProxy(Socket listener, string target)
    {
        _listener = listener;
        _target = target;
    }

    /// <summary>The caller's NOTIFY_SOCKET, when set.</summary>
    public static string? HostSocket => Environment.GetEnvironmentVariable("NOTIFY_SOCKET") is { Length: > 0 } s ? s : null;

    /// <summary>RLRUN_SDNOTIFY=ready: rlrun itself says READY=1 once the container
    /// runs, and the container gets no socket; the default, "container", relays the container's
    /// own messages, as runc does. `rlrun generate systemd` writes units in the ready mode.</summary>
    public static bool RlrunReports => Environment.GetEnvironmentVariable("RLRUN_SDNOTIFY") == "ready";

    /// <summary>In the ready mode, after start: the unit is up when the container's process is.</summary>
    public static void ReportReady(int pid)
    {
        if (RlrunReports && HostSocket is { } target) Send(target, $"READY=1\nSTATUS=container running (init {pid})");
    }

    public static string DirFor(string stateDir) => Path.Join(stateDir, "notify");

    /// <summary>At create: the bind mount and the env the container's process needs.</summary>
    public static void AddToSpec(OciSpec spec, string stateDir)
    {
        string dir = DirFor(stateDir);
        Directory.CreateDirectory(dir);
        // The container's user may be anyone: anyone in it may notify, as with runc.
        File.SetUnixFileMode(dir, (UnixFileMode)0x1ff);
        (spec.Mounts ??= []).Add(new SpecMount { Destination = ContainerDir, Type = "bind", Source = dir, Options = ["bind", "nosuid", "nodev", "noexec"] });
        var env = (spec.Process!.Env ?? []).Where(e => !e.StartsWith("NOTIFY_SOCKET=")).ToList();
        env.Add($"NOTIFY_SOCKET={ContainerSocket}");
        spec.Process.Env = env;
    }

    /// <summary>At start/run: listen on the container's socket (before its process runs).</summary>
    public static NotifySocketProxy? Listen(string stateDir)
    {
        if (RlrunReports || HostSocket is not { } target || !Directory.Exists(DirFor(stateDir))) return null;
        string dir = DirFor(stateDir), path = Path.Join(dir, "notify.sock");
        File.Delete(path);
        var s = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        // Bound through /proc/self/fd: ROOT/ID/notify/notify.sock outgrows sun_path's 108 bytes with a long ID.
        int dirFd = SyscallException.Check(Libc.open(dir, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0), "open", dir);
        try { s.Bind(new UnixDomainSocketEndPoint($"/proc/self/fd/{dirFd}/notify.sock")); }
        catch { s.Dispose(); throw; }
        finally { Libc.close(dirFd); }
        File.SetUnixFileMode(path, (UnixFileMode)0x1b6);
        return new NotifySocketProxy(s, target);
    }

    /// <summary>Relays messages until READY=1 has been passed on, or the container's init is gone.</summary>
    public void RelayUntilReady(Func<bool> alive)
    {
        var buf = new byte[4096];
        while (alive())
        {
            if (!_listener.Poll(100_000, SelectMode.SelectRead)) continue;
            int n = _listener.Receive(buf);
            string message = Encoding.UTF8.GetString(buf, 0, n);
            Send(_target, message);
            if (message.Split('\n').Contains("READY=1")) return;
        }
    }

    /// <summary>Relays for as long as the container runs (foreground run), on a background thread.</summary>
    public void RelayInBackground()
    {
        var t = new Thread(() =>
        {
            var buf = new byte[4096];
            try { while (true) { int n = _listener.Receive(buf); Send(_target, Encoding.UTF8.GetString(buf, 0, n)); } }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }) { IsBackground = true, Name = "notify relay" };
        t.Start();
    }

    public static void Send(string target, string message)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        // "@name" is the abstract namespace, as systemd writes it.
        var endpoint = new UnixDomainSocketEndPoint(target.StartsWith('@') ? "\0" + target[1..] : target);
        try { s.SendTo(Encoding.UTF8.GetBytes(message), endpoint); }
        catch (SocketException) { } // the caller stopped listening: nothing to tell
    }

    public void Dispose() => _listener.Dispose();
}
