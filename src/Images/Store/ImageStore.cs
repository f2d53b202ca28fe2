using Rlrun.Images.Oci;
using Rlrun.Images.Unpack;

namespace Rlrun.Images.Store;

/// <summary>A user's image store (DESIGN.md, "Rootless decisions"): blobs, unpacked layers and the
/// index, with the rules that keep them consistent when several rlrun processes use it at once.
/// Opening it removes what killed processes left behind.</summary>
public sealed class ImageStore
{
    public StorePaths Paths { get; }
    public BlobStore Blobs { get; }
    public StoreIndexFile Index { get; }
    public ILayerUnpacker Unpacker { get; }
    readonly Action<string>? _debug;

    ImageStore(StorePaths paths, ILayerUnpacker unpacker, Action<string>? debug)
    {
        Paths = paths;
        Blobs = new BlobStore(paths);
        Index = new StoreIndexFile(paths);
        Unpacker = unpacker;
        _debug = debug;
    }

    public static ImageStore Open(string root, ILayerUnpacker unpacker, Action<string>? debug = null)
    {
        var paths = new StorePaths(Path.GetFullPath(root));
        try { paths.Create(); }
        catch (UnauthorizedAccessException e) { throw new InvalidOperationException($"image store {paths.Root}: {e.Message}"); }
        var store = new ImageStore(paths, unpacker, debug);
        int removed = new LeftoverCleaner(paths, unpacker, debug).Clean();
        if (removed > 0) debug?.Invoke($"removed {removed} leftover(s) of interrupted commands");
        return store;
    }

    public IReadOnlyList<ImageRecord> List() => Index.Read().Images;

    /// <summary>The image a reference names: NAME[:TAG], the full ID (with or without "sha256:"), or an ID prefix of 3+ digits.</summary>
    public ImageRecord Resolve(string reference) => Find(Index.Read(), reference) ?? throw new ImageNotFoundException(reference);

    internal static ImageRecord? Find(StoreIndex index, string reference)
    {
        string id = reference.StartsWith("sha256:", StringComparison.Ordinal) ? reference[7..] : reference;
        if (id.Length == 64 && index.Images.FirstOrDefault(i => i.Id == id) is { } exact) return exact;
        // Names as stored, REPO@DIGEST (a pull by digest) included.
        if (index.Images.FirstOrDefault(i => i.Names.Contains(reference)) is { } stored) return stored;
        if (ImageReference.TryParse(reference, out var name) && index.Images.FirstOrDefault(i => i.Names.Contains(name!.ToString())) is { } named)
            return named;
        if (id.Length >= 3 && id.All(Uri.IsHexDigit))
        {
            var matches = index.Images.Where(i => i.Id.StartsWith(id, StringComparison.Ordinal)).ToList();
            if (matches.Count > 1) throw new ArgumentException($"image ID prefix \"{id}\" is ambiguous ({matches.Count} images)");
            if (matches.Count == 1) return matches[0];
        }
        return null;
    }

    /// <summary>Records that a container uses the image (rmi refuses it then): an image run does.</summary>
    public void AddUser(string reference, string containerId) => Index.Update(index =>
    {
        var image = Find(index, reference) ?? throw new ImageNotFoundException(reference);
        if (image.Users.Contains(containerId)) return (false, 0);
        image.Users.Add(containerId);
        return (true, 0);
    });

    public void RemoveUser(string imageId, string containerId) => Index.Update(index =>
    {
        var image = index.Images.FirstOrDefault(i => i.Id == imageId);
        return (image?.Users.Remove(containerId) == true, 0);
    });
}

public sealed class ImageNotFoundException(string reference, string? hint = null)
    : Exception($"image not known: \"{reference}\"{(hint is null ? "" : $" ({hint})")}");
