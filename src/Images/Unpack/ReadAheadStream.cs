using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Rlrun.Images.Unpack;

/// <summary>Reads the inner stream on a thread of its own, a few chunks ahead of the reader: a layer's
/// decompression and hashing then run beside its extraction (two cores instead of one, and a second
/// runnable thread on a busy machine). An error of the inner stream comes out of the Read that reaches it.</summary>
public sealed class ReadAheadStream : ReadOnlyStream
{
    const int ChunkSize = 1 << 18, Chunks = 8;

    readonly Stream _inner;
    readonly BlockingCollection<(byte[]? Chunk, int Length, ExceptionDispatchInfo? Error)> _queue = new(Chunks);
    readonly ConcurrentQueue<byte[]> _free = new(); // chunks read out, for the filler to reuse
    readonly CancellationTokenSource _stop = new();
    readonly Thread _thread;
    byte[]? _chunk;
    int _offset, _length;
    bool _ended;

    public ReadAheadStream(Stream inner)
    {
        _inner = inner;
        _thread = new Thread(Fill) { IsBackground = true, Name = "read-ahead" };
        _thread.Start();
    }

    void Fill()
    {
        try
        {
            while (true)
            {
                if (!_free.TryDequeue(out var chunk)) chunk = new byte[ChunkSize];
                int n = 0, r;
                while (n < chunk.Length && (r = _inner.Read(chunk, n, chunk.Length - n)) > 0) n += r;
                _queue.Add((chunk, n, null), _stop.Token);
                if (n == 0) return;
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
        catch (Exception e)
        {
            try { _queue.Add((null, 0, ExceptionDispatchInfo.Capture(e)), _stop.Token); }
            catch (OperationCanceledException) { }
        }
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.Length == 0) return 0;
        while (_chunk is null || _offset == _length)
        {
            if (_ended) return 0;
            var (chunk, length, error) = _queue.Take();
            error?.Throw();
            if (_chunk is not null) _free.Enqueue(_chunk);
            if (length == 0) { _ended = true; _chunk = null; return 0; }
            (_chunk, _offset, _length) = (chunk, 0, length);
        }
        int give = Math.Min(buffer.Length, _length - _offset);
        _chunk.AsSpan(_offset, give).CopyTo(buffer);
        _offset += give;
        return give;
    }

    /// <summary>Reads to the end (what is left counts in a hash taken below).</summary>
    public void Drain()
    {
        var buffer = new byte[ChunkSize];
        while (Read(buffer) > 0) { }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // The filler stops at its next chunk; waited for, so the inner stream is not read after its owner closes it.
            _stop.Cancel();
            _thread.Join();
            _stop.Dispose();
            _queue.Dispose();
        }
        base.Dispose(disposing);
    }
}
