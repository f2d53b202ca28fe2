using System.Net.Sockets;

namespace Rlrun.Systemd;

/// <summary>
/// A notify socket of our own (a unix datagram socket at a path, or "@name" abstract) to hand
/// a container as NOTIFY_SOCKET, and to receive its READY=1 / STATUS= messages for forwarding
/// to our own $NOTIFY_SOCKET. Dispose closes it and removes the socket file.
/// </summary>
public sealed class NotifySocketListener : IDisposable
{
    /// <summary>systemd reads at most this much of one notification.</summary>
    public const int MaxMessage = 4096;

    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];

    /// <summary>The address as NOTIFY_SOCKET takes it ("/run/.../notify" or "@name").</summary>
    public string Address { get; }

    /// <summary>The socket, for callers that poll it with others.</summary>
    public Socket Socket => _socket;

    private NotifySocketListener(Socket socket, string address)
    {
        _socket = socket;
        Address = address;
    }

    /// <summary>Binds a datagram socket at address. A stale socket file at the path is replaced
    /// (any other kind of file there is an error). mode: the socket file's permissions
    /// (default 0777: the container's processes may run as other IDs).</summary>
    public static NotifySocketListener Bind(string address, UnixFileMode? mode = null)
    {
        var endPoint = SdNotify.EndPointOf(address);
        if (address[0] == '/')
        {
            switch (Interop.Libc.IsSocket(address))
            {
                case true: File.Delete(address); break;   // a stale socket of an earlier run
                case false: throw new IOException($"{address} exists and is not a socket");
                case null: break;                         // nothing there
            }
        }
        var s = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            s.Bind(endPoint);
#pragma warning disable CA1416 // Linux only, like all of this library
            if (address[0] == '/')
                File.SetUnixFileMode(address, mode ?? (UnixFileMode)0x1FF);
#pragma warning restore CA1416
        }
        catch
        {
            s.Dispose();
            throw;
        }
        return new NotifySocketListener(s, address);
    }

    /// <summary>The next message, or null when none came within timeout.</summary>
    public NotifyMessage? Receive(TimeSpan timeout)
    {
        int us = timeout == Timeout.InfiniteTimeSpan ? -1 : (int)Math.Min(int.MaxValue, Math.Max(0, timeout.TotalMicroseconds));
        if (!_socket.Poll(us, SelectMode.SelectRead)) return null;
        int n = _socket.Receive(_buffer, SocketFlags.None);
        return NotifyMessage.Parse(_buffer.AsSpan(0, Math.Min(n, MaxMessage)));
    }

    public async ValueTask<NotifyMessage> ReceiveAsync(CancellationToken cancel = default)
    {
        int n = await _socket.ReceiveAsync(_buffer, SocketFlags.None, cancel).ConfigureAwait(false);
        return NotifyMessage.Parse(_buffer.AsSpan(0, Math.Min(n, MaxMessage)));
    }

    public void Dispose()
    {
        _socket.Dispose();
        if (Address[0] == '/')
        {
            try { File.Delete(Address); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
