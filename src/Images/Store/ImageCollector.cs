using Rlrun.Images.Oci;

namespace Rlrun.Images.Store;

/// <summary>rmi and prune: removes index entries first (one atomic index write), then the layers and
/// blobs nothing references any more, then the short links that lead nowhere. Holds gc.lock
/// exclusively, so no import is between storing a layer and naming it, and no image run is between
/// finding its image and writing its reference (ImageBundle holds it shared).</summary>
public sealed class ImageCollector(ImageStore store, Action<string>? debug)
{
    /// <param name="KeptFor">containers that use the image: it lost its names but stays until they are deleted</param>
    public sealed record Removal(IReadOnlyList<string> Untagged, IReadOnlyList<string> Deleted, IReadOnlyList<string>? KeptFor = null);

    /// <summary>Untags REF when it is a name the image shares with others; else deletes the image.
    /// An image a container uses (force) only loses its names: the container's root is mounted
    /// from its layers, which stay until the last such container is deleted and prune runs.</summary>
    public Removal Remove(string reference, bool force)
    {
        using var gc = FileLock.Exclusive(store.Paths.GcLock);
        var result = store.Index.Update(index =>
        {
            var image = ImageStore.Find(index, reference) ?? throw new ImageNotFoundException(reference);
            // One name of several only goes, whoever uses the image (podman untags it too); a
            // REPO@DIGEST name (a pull by digest) is a name like any other.
            if (NameIn(image, reference) is { } name && image.Names.Count > 1)
            {
                image.Names.Remove(name);
                return (true, new Removal([name], []));
            }
            var users = ContainerReferences.Of(store.Paths, image);
            if (users.Count > 0 && !force)
                throw new InvalidOperationException($"image \"{reference}\" is in use by container{(users.Count > 1 ? "s" : "")} {string.Join(", ", users)} (rmi --force removes it anyway)");
            if (users.Count > 0)
            {
                var names = image.Names.ToList();
                image.Names.Clear();
                return (names.Count > 0, new Removal(names, [], users));
            }
            Forget(index, image);
            return (true, new Removal(image.Names.ToList(), [image.Id]));
        });
        Collect();
        return result;
    }

    /// <summary>The stored name REF is (as given, or NAME:TAG with the tag filled in), or null for an ID.</summary>
    static string? NameIn(ImageRecord image, string reference) =>
        image.Names.Contains(reference) ? reference
        : ImageReference.TryParse(reference, out var name) && image.Names.Contains(name!.ToString()) ? name!.ToString()
        : null;

    /// <summary>Deletes images without a name (all: any image) that no container uses, then whatever
    /// no image references. Returns the deleted images' IDs.</summary>
    public IReadOnlyList<string> Prune(bool all = false)
    {
        using var gc = FileLock.Exclusive(store.Paths.GcLock);
        var deleted = store.Index.Update(index =>
        {
            var dangling = index.Images.Where(i => (all || i.Names.Count == 0) && ContainerReferences.Of(store.Paths, i).Count == 0).ToList();
            foreach (var image in dangling) Forget(index, image);
            return (dangling.Count > 0, dangling.Select(i => i.Id).ToList());
        });
        Collect();
        return deleted;
    }

    static void Forget(StoreIndex index, ImageRecord image)
    {
        index.Images.Remove(image);
        foreach (var diffId in image.Layers.Select(l => l.DiffId).Distinct())
        {
            string hex = Digest.Parse(diffId, "diff_id").Hex;
            if (index.Layers.TryGetValue(hex, out var layer)) layer.Refs = Math.Max(0, layer.Refs - 1);
        }
    }

    /// <summary>Removes layers with no reference (records first, then directories), unreferenced
    /// blobs, and short links whose layer is gone.</summary>
    void Collect()
    {
        var (unusedLayers, referencedBlobs) = store.Index.Update(index =>
        {
            // A count can only be trusted as far as the images agree: a layer no image lists goes too.
            var listed = index.Images.SelectMany(i => i.Layers).Select(l => Digest.Parse(l.DiffId, "diff_id").Hex).ToHashSet();
            var unused = index.Layers.Where(l => l.Value.Refs <= 0 || !listed.Contains(l.Key)).Select(l => l.Key).ToList();
            foreach (var hex in unused) index.Layers.Remove(hex);
            var blobs = new HashSet<string>();
            foreach (var i in index.Images)
            {
                blobs.Add(Digest.Parse(i.ManifestDigest, "manifest").Hex);
                blobs.Add(Digest.Parse(i.ConfigDigest, "config").Hex);
                foreach (var l in i.Layers) blobs.Add(Digest.Parse(l.Digest, "layer").Hex);
            }
            var recorded = index.Layers.Keys.ToHashSet();
            // Directories without a record too: a layer renamed into place by a process killed before it wrote one.
            var orphans = Directory.EnumerateDirectories(store.Paths.Layers).Select(Path.GetFileName).OfType<string>()
                .Where(n => n.Length == 64 && !recorded.Contains(n));
            return (unused.Count > 0, (unused.Union(orphans).ToList(), blobs));
        });
        foreach (var hex in unusedLayers)
        {
            var diffId = new Digest(hex);
            using var _ = FileLock.Exclusive(store.Paths.LayerLock(diffId));
            debug?.Invoke($"removing layer {diffId}");
            store.Unpacker.Remove(store.Paths.Layer(diffId));
            File.Delete(store.Paths.LayerLock(diffId));
        }
        foreach (var blob in store.Blobs.All().Where(b => !referencedBlobs.Contains(b.Hex)).ToList())
        {
            debug?.Invoke($"removing blob {blob}");
            store.Blobs.Delete(blob);
        }
        if (store.Blobs.RemovePartials() is > 0 and var partials) debug?.Invoke($"removed {partials} partial download(s)");
        foreach (var link in Run.ShortLinks.Collect(store.Paths)) debug?.Invoke($"removed short link {link}");
    }
}
