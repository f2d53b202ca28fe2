using System.Net.Sockets;

namespace Rlrun.Systemd;

/// <summary>
/// The stream of a direct connection to systemd's private socket: BEGIN goes out in the same
/// write as the AUTH command, as sd-bus's own clients send it, and the library's later BEGIN is
/// dropped. Sent the library's way (BEGIN after OK, the Hello call right behind it), systemd's
/// sd-bus server at times read BEGIN and the call in one go and left the call unanswered: one
/// connect in three hung until its time-out on the test machine (systemd 252).
/// </summary>
internal sealed class PipelinedAuthStream(Socket socket) : NetworkStream(socket, ownsSocket: true)
{
    private static readonly byte[] Begin = "BEGIN\r\n"u8.ToArray();
    private bool _authSent, _beginDropped;

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_authSent && buffer.Span.StartsWith("AUTH "u8))
        {
            _authSent = true;
            var withBegin = new byte[buffer.Length + Begin.Length];
            buffer.Span.CopyTo(withBegin);
            Begin.CopyTo(withBegin, buffer.Length);
            return base.WriteAsync(withBegin, cancellationToken);
        }
        if (_authSent && !_beginDropped && buffer.Span.SequenceEqual(Begin))
        {
            _beginDropped = true;
            return ValueTask.CompletedTask;
        }
        return base.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
}
