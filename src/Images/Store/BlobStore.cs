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
    public bool Put(Digest expected, long size, Func<Stream> open, string what) => Put(expected, size, _ => open(), what, keepPartial: null);

    /// <summary>As Put, for a source that can start at an offset (a registry, with Range): the bytes a
    /// killed or cut-off earlier download left in the blob's partial file are hashed again and kept,
    /// and openAt(N) gives the rest. The digest is checked over the whole blob at the end, as always.</summary>
    /// <param name="keepPartial">which failures leave the bytes had for the next try (a download
    /// that stopped); any other (wrong content, a full disk) removes them</param>
    public bool PutResumable(Digest expected, long size, Func<long, Stream> openAt, string what, Func<Exception, bool> keepPartial, Action<string>? debug = null) =>
        Put(expected, size, openAt, what, keepPartial, debug);

    bool Put(Digest expected, long size, Func<long, Stream> openAt, string what, Func<Exception, bool>? keepPartial, Action<string>? debug = null)
    {
        if (Has(expected)) return false;
        using var _ = FileLock.Exclusive(paths.BlobLock(expected));
        if (Has(expected)) return false;
        // One partial file per blob (under its lock), so a later pull finds what an earlier one had.
        string partial = paths.PartialBlob(expected);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 17];
            long written = 0;
            int n;
            if (keepPartial is not null && File.Exists(partial))
            {
                using (var had = File.OpenRead(partial))
                    while ((n = had.Read(buffer)) > 0) { hash.AppendData(buffer, 0, n); written += n; }
                if (size >= 0 && written >= size) { written = 0; hash.GetHashAndReset(); } // nothing left to ask for: start again
                else if (written > 0) debug?.Invoke($"{what}: resuming {expected} at byte {written}, where an earlier download stopped");
            }
            using (var target = new FileStream(partial, written > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 0))
            using (var source = openAt(written))
            {
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
            File.Move(partial, paths.Blob(expected));
            AtomicFile.SyncDirectory(paths.Blobs);
            return true;
        }
        catch (Exception e)
        {
            if (keepPartial?.Invoke(e) != true) File.Delete(partial);
            if (e is IOException io && IsNoSpace(io))
                throw new IOException($"{what}: no space left on device while storing blob {expected} in {paths.Blobs}");
            throw;
        }
    }

    internal static bool IsNoSpace(IOException e) => e.HResult == 28 || e.Message.Contains("no space left", StringComparison.OrdinalIgnoreCase);

    /// <summary>Partial downloads whose writer is gone (rmi and prune, which no pull runs beside, remove them).</summary>
    public int RemovePartials()
    {
        int removed = 0;
        if (!Directory.Exists(paths.Blobs)) return 0;
        foreach (var f in Directory.EnumerateFiles(paths.Blobs, StorePaths.PartialPrefix + "*").ToList())
        {
            string hex = Path.GetFileName(f)[StorePaths.PartialPrefix.Length..];
            if (!Digest.TryParse("sha256:" + hex, out var d)) continue;
            using var held = FileLock.TryExclusive(paths.BlobLock(d));
            if (held is null) continue;
            File.Delete(f);
            removed++;
        }
        return removed;
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
