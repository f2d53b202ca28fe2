using Rlrun.Images.Layout;
using Rlrun.Images.Oci;
using Rlrun.Images.Unpack;

namespace Rlrun.Images.Store;

/// <summary>Copies an image from a source into the store: blobs verified as they are written, each
/// layer unpacked once (per-layer lock) into a temp directory and renamed into place, and finally
/// the index entry. Until that last step nothing is named: a failure or a kill leaves at most
/// unnamed blobs and layers, which prune collects, and temp files, which the next open removes.</summary>
public sealed class ImageImporter(ImageStore store, Action<string>? debug)
{
    public ImageRecord Import(IImageSource source, ImageReference? name)
    {
        // Shared: any number of imports at once; rmi and prune wait, so nothing is collected mid-import.
        using var gc = FileLock.Shared(store.Paths.GcLock);
        var (manifestBytes, manifestType) = source.Manifest;
        var manifestDigest = Digest.Of(manifestBytes);
        string what = $"{source.Description}: manifest {manifestDigest}";
        var manifest = ManifestReader.Manifest(manifestBytes, what);

        var configDigest = Digest.Parse(manifest.Config!.Digest, $"{what}: config.digest");
        store.Blobs.Put(configDigest, manifest.Config.Size, () => source.OpenBlob(configDigest, "config"), $"{source.Description}: config");
        var config = ManifestReader.Config(store.Blobs.Read(configDigest), $"{source.Description}: config {configDigest}", manifest.Layers!.Count);

        var layers = new List<ImageLayer>();
        long size = 0;
        for (int i = 0; i < manifest.Layers.Count; i++)
        {
            var d = manifest.Layers[i];
            var blob = Digest.Parse(d.Digest, $"{what}: layers[{i}].digest");
            var diffId = Digest.Parse(config.RootFs!.DiffIds![i], $"config: rootfs.diff_ids[{i}]");
            string layerWhat = $"{source.Description}: layer {i + 1} ({blob})";
            if (store.Blobs.Put(blob, d.Size, () => source.OpenBlob(blob, $"layer {i + 1}"), layerWhat))
                debug?.Invoke($"stored blob {blob}");
            var record = EnsureLayer(blob, MediaTypes.LayerCompressionOf(d.MediaType!), diffId, layerWhat);
            layers.Add(new ImageLayer { Digest = blob.ToString(), DiffId = diffId.ToString(), MediaType = d.MediaType!, Size = d.Size });
            size += record.Size;
        }
        store.Blobs.Put(manifestDigest, manifestBytes, $"{source.Description}: manifest");

        var names = name is not null ? [name.ToString()] : source.Names.Select(n => n.ToString()).ToList();
        var image = new ImageRecord
        {
            Id = configDigest.Hex, ManifestDigest = manifestDigest.ToString(), ManifestMediaType = manifestType,
            ConfigDigest = configDigest.ToString(), Layers = layers, Names = names, Created = config.Created,
            Imported = DateTimeOffset.UtcNow, Size = size,
        };
        return store.Index.Update(index => (true, Register(index, image)));
    }

    /// <summary>Adds the image (or merges names into the same image) and moves its names off any other image.</summary>
    internal static ImageRecord Register(StoreIndex index, ImageRecord image)
    {
        foreach (var other in index.Images.Where(i => i.Id != image.Id)) other.Names.RemoveAll(image.Names.Contains);
        var existing = index.Images.FirstOrDefault(i => i.Id == image.Id);
        if (existing is not null)
        {
            foreach (var n in image.Names.Where(n => !existing.Names.Contains(n))) existing.Names.Add(n);
            return existing;
        }
        index.Images.Add(image);
        foreach (var diffId in image.Layers.Select(l => l.DiffId).Distinct())
        {
            string hex = Digest.Parse(diffId, "diff_id").Hex;
            if (!index.Layers.TryGetValue(hex, out var layer))
                throw new InvalidOperationException($"layer {diffId} has no record (removed while importing?)");
            layer.Refs++;
        }
        return image;
    }

    /// <summary>The layer unpacked under layers/HEX, unpacking it if no one has; one process at a time per layer.</summary>
    internal LayerRecord EnsureLayer(Digest blob, LayerCompression compression, Digest diffId, string what)
    {
        if (Known(diffId) is { } known) return known;
        using var layerLock = FileLock.Exclusive(store.Paths.LayerLock(diffId));
        if (Known(diffId) is { } raced) return raced;

        string final = store.Paths.Layer(diffId);
        if (Directory.Exists(final))
        {
            // Renamed into place by a process killed before it wrote the record: nothing tells us
            // it was verified, so it goes and is unpacked again.
            store.Unpacker.Remove(final);
        }
        string tmp = Path.Join(store.Paths.Layers, $"{AtomicFile.TempPrefix}{diffId.Hex}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            debug?.Invoke($"unpacking {what} into {final}");
            ExtractResult result;
            try { result = store.Unpacker.Unpack(store.Blobs.PathOf(blob), compression, Path.Join(tmp, "diff"), layerLock.Fd); }
            catch (IOException e) when (e.HResult == 28 || e.Message.Contains("no space left", StringComparison.OrdinalIgnoreCase))
            { throw new IOException($"{what}: no space left on device while unpacking into {store.Paths.Layers}"); }
            catch (ImageFormatException e) { throw new ImageFormatException($"{what}: {e.Message}"); }
            catch (LayerEntryException e) { throw new ImageFormatException($"{what}: {e.Message}"); }
            if (result.DiffId != diffId)
                throw new ImageFormatException($"{what}: diff_id mismatch: the config says {diffId}, the uncompressed layer is {result.DiffId}");
            AtomicFile.SyncDirectory(Path.Join(tmp, "diff"));
            Directory.Move(tmp, final);
            AtomicFile.SyncDirectory(store.Paths.Layers);
            var record = new LayerRecord
            {
                DiffId = diffId.ToString(), Refs = 0, Size = result.Size,
                UidMap = store.Unpacker.UidMap, GidMap = store.Unpacker.GidMap,
            };
            store.Index.Update(index =>
            {
                index.Layers[diffId.Hex] = record;
                return (true, 0);
            });
            return record;
        }
        catch
        {
            try { store.Unpacker.Remove(tmp); }
            catch (Exception e) { debug?.Invoke($"could not remove {tmp}: {e.Message} (the next command retries)"); }
            throw;
        }
    }

    LayerRecord? Known(Digest diffId) =>
        Directory.Exists(store.Paths.LayerDiff(diffId)) && store.Index.Read().Layers.TryGetValue(diffId.Hex, out var r) ? r : null;
}
