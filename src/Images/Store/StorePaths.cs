using Rlrun.Images.Oci;

namespace Rlrun.Images.Store;

/// <summary>Where things live in a store directory:
/// blobs/sha256/HEX (verified content; .partial-HEX while it downloads), layers/HEX/diff (a layer unpacked, keyed by its diff_id),
/// index.json (the image index: names -> manifests, and the layer records with their reference
/// counts, in one file so one rename updates both),
/// locks/ (per-blob and per-layer flocks), tmp/ (archives being read), store.lock and gc.lock.</summary>
public sealed class StorePaths(string root)
{
    public string Root { get; } = root;
    public string Blobs => Path.Join(Root, "blobs", "sha256");
    public string Layers => Path.Join(Root, "layers");
    public string Locks => Path.Join(Root, "locks");
    public string Tmp => Path.Join(Root, "tmp");
    public string IndexFile => Path.Join(Root, "index.json");
    /// <summary>Held briefly around every read-modify-write of index.json.</summary>
    public string StoreLock => Path.Join(Root, "store.lock");
    /// <summary>Shared by imports for their whole run, exclusive for rmi and prune: nothing is
    /// collected while an import may still be about to reference it.</summary>
    public string GcLock => Path.Join(Root, "gc.lock");

    public string Blob(Digest d) => Path.Join(Blobs, d.Hex);
    /// <summary>A blob being downloaded: kept when a download stops, for the next pull to resume (BlobStore).</summary>
    public string PartialBlob(Digest d) => Path.Join(Blobs, PartialPrefix + d.Hex);
    public const string PartialPrefix = ".partial-";
    public string BlobLock(Digest d) => Path.Join(Locks, $"blob-{d.Hex}.lock");
    public string Layer(Digest diffId) => Path.Join(Layers, diffId.Hex);
    public string LayerDiff(Digest diffId) => Path.Join(Layer(diffId), "diff");
    public string LayerLock(Digest diffId) => Path.Join(Locks, $"layer-{diffId.Hex}.lock");

    /// <summary>$XDG_DATA_HOME/rlrun/storage, else ~/.local/share/rlrun/storage.</summary>
    public static string Default()
    {
        string data = Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } x ? x
            : Path.Join(Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h ? h
                : throw new InvalidOperationException("neither XDG_DATA_HOME nor HOME is set: give --storage DIR"), ".local", "share");
        return Path.Join(data, "rlrun", "storage");
    }

    public void Create()
    {
        foreach (var d in new[] { Root, Path.Join(Root, "blobs"), Blobs, Layers, Locks, Tmp })
            Directory.CreateDirectory(d, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
