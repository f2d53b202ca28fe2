using Rlrun.Images.Oci;

namespace Rlrun.Images.Registry;

/// <summary>A blob's body that survives a dropped connection: when the body ends early or a read
/// fails, it asks again from where it was (Range: bytes=N-) with backoff, up to the retry policy's
/// attempts; it starts at START when an earlier pull left that much. BlobStore.Put hashes what comes
/// out, so a registry that ignores Range (200 instead of 206) is read from the start and the bytes
/// already had are skipped.</summary>
public sealed class ResumableBlobStream(RegistryClient client, string repository, Digest digest, long size,
    RetryPolicy retry, string what, Action<long>? progress, Action<string>? debug, CancellationToken ct, long start = 0) : Stream
{
    Stream? _body;
    HttpResponseMessage? _response;
    long _position = start; // from a partial file an earlier pull left (BlobStore.PutResumable)
    int _failures;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                _body ??= Open();
                int n = _body.Read(buffer);
                if (n == 0 && size >= 0 && _position < size)
                    throw new IOException($"the connection ended at byte {_position} of {size}");
                _position += n;
                if (n > 0) progress?.Invoke(n);
                return n;
            }
            catch (Exception e) when (e is IOException or HttpRequestException && !ct.IsCancellationRequested)
            {
                Close(_body);
                _failures++;
                if (_failures >= retry.Attempts)
                    throw new RegistryException($"{what}: the download of {digest} stopped at byte {_position} of {size} ({e.Message}; tried {_failures} times)");
                var wait = retry.Delay(_failures - 1);
                debug?.Invoke($"{what}: {e.Message}: resuming at byte {_position} in {wait.TotalMilliseconds:0} ms");
                Thread.Sleep(wait);
            }
        }
    }

    Stream Open()
    {
        var (body, partial, response) = client.OpenBlobAsync(repository, digest, _position, ct).GetAwaiter().GetResult();
        _response = response;
        if (_position > 0 && !partial)
        {
            // A full answer to a Range request: skip what was already read.
            var skip = new byte[1 << 16];
            for (long left = _position; left > 0;)
            {
                int n = body.Read(skip, 0, (int)Math.Min(skip.Length, left));
                if (n == 0) throw new IOException($"the connection ended while skipping to byte {_position}");
                left -= n;
            }
        }
        return body;
    }

    void Close(Stream? body)
    {
        try { body?.Dispose(); } catch (Exception) { }
        _response?.Dispose();
        _body = null;
        _response = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Close(_body);
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
