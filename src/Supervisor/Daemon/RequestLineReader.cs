using System.Net.Sockets;
using System.Text;

namespace Rlrun.Supervisor.Daemon;

/// <summary>Reads one request line at a time from a peer, within bounds a hostile peer cannot
/// stretch: a line of at most MaxLine bytes, complete within the deadline measured from when the
/// daemon started waiting for it (a peer sending one byte a second is cut off like an idle one).
/// Bytes after a newline are kept for the next line (requests may be pipelined).</summary>
public sealed class RequestLineReader(Socket peer, int maxLine, TimeSpan deadline)
{
    readonly byte[] _buffer = new byte[4096];
    int _start, _end;

    /// <summary>The next line without its newline; null at a clean end of stream.</summary>
    /// <exception cref="RequestTooLongException">the line passed MaxLine bytes</exception>
    /// <exception cref="TimeoutException">no full line within the deadline</exception>
    public string? ReadLine()
    {
        var line = new MemoryStream();
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            int nl = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            int take = (nl < 0 ? _end : nl) - _start;
            if (line.Length + take > maxLine) throw new RequestTooLongException(maxLine);
            line.Write(_buffer, _start, take);
            if (nl >= 0)
            {
                _start = nl + 1;
                return Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length);
            }
            _start = _end = 0;
            int left = (int)Math.Ceiling((until - DateTime.UtcNow).TotalMilliseconds);
            if (left <= 0) throw new TimeoutException($"no complete request within {deadline.TotalSeconds:0} s");
            peer.ReceiveTimeout = left;
            int n;
            try { n = peer.Receive(_buffer); }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                throw new TimeoutException($"no complete request within {deadline.TotalSeconds:0} s");
            }
            if (n == 0) return line.Length == 0 ? null : Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length);
            _end = n;
        }
    }
}

public sealed class RequestTooLongException(int max) : IOException($"request longer than {max} bytes");
