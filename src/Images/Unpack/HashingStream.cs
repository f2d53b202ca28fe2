using System.Security.Cryptography;
using Rlrun.Images.Oci;

namespace Rlrun.Images.Unpack;

/// <summary>A read-only pass-through that hashes every byte read: the diff_id of a layer is the
/// digest of its uncompressed tar, computed while it is extracted.</summary>
public sealed class HashingStream(Stream inner) : ReadOnlyStream
{
    readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        _hash.AppendData(buffer[..n]);
        return n;
    }

    public void Drain()
    {
        var buffer = new byte[1 << 16];
        while (Read(buffer) > 0) { }
    }

    public Digest Digest() => Oci.Digest.FromHash(_hash);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }
}
