using System.Security.Cryptography;
using Rlrun.Images.Oci;

namespace Rlrun.Images.Store;

/// <summary>Content-addressed blobs: every write is hashed on the way in and kept only when it matches
/// the digest it claims; a per-blob flock makes a second writer wait and then find the blob there
/// (one copy, never two).</summary>
public sealed class BlobStore(StorePaths paths)
{
    public string PathOf(Digest d) => paths.Blob(d);

    public bool Has(Digest d) => File.Exists(paths.Blob(d));

    /// <summary>Stores the blob read from open() unless it is already there; true when this call wrote it.</summary>
    /// <param name="size">the descriptor's size, checked too; -1 when unknown</param>
    /// <param name="what">names the blob in errors ("layer 2", "config")</param>
    public bool Put(Digest expected, long size, Func<Stream> open, string what)
    {
        if (Has(expected)) return false;
        using var _ = FileLock.Exclusive(paths.BlobLock(expected));
        if (Has(expected)) return false;
        string tmp = Path.Join(paths.Blobs, $"{AtomicFile.TempPrefix}{expected.Hex}-{Guid.NewGuid():N}");
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long written = 0;
            using (var source = open())
            using (var target = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                var buffer = new byte[1 << 16];
                int n;
                while ((n = source.Read(buffer)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    target.Write(buffer, 0, n);
                    written += n;
                }
                target.Flush(flushToDisk: true);
            }
            var got = Digest.FromHash(hash);
            if (got != expected)
                throw new ImageFormatException($"{what}: digest mismatch: expected {expected}, content is {got}");
            if (size >= 0 && written != size)
                throw new ImageFormatException($"{what}: size mismatch for {expected}: descriptor says {size} bytes, content has {written}");
            File.Move(tmp, paths.Blob(expected));
            AtomicFile.SyncDirectory(paths.Blobs);
            return true;
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    public bool Put(Digest expected, byte[] data, string what) => Put(expected, data.Length, () => new MemoryStream(data, writable: false), what);

    public byte[] Read(Digest d) => File.ReadAllBytes(paths.Blob(d));

    public void Delete(Digest d)
    {
        using var _ = FileLock.Exclusive(paths.BlobLock(d));
        File.Delete(paths.Blob(d));
        File.Delete(paths.BlobLock(d));
    }

    public IEnumerable<Digest> All() =>
        Directory.Exists(paths.Blobs)
            ? Directory.EnumerateFiles(paths.Blobs).Select(Path.GetFileName).Where(n => n!.Length == 64)
                .Select(n => Digest.TryParse("sha256:" + n, out var d) ? d : (Digest?)null).OfType<Digest>()
            : [];
}
