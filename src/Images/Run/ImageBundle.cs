using System.Text.Json;
using Rlrun.Images.Oci;
using Rlrun.Images.Store;
using Rlrun.Runtime.Container;
using Rlrun.Runtime.Overlay;
using Rlrun.Runtime.Spec;

namespace Rlrun.Images.Run;

/// <summary>Writes an image container's bundle under the store (containers/ID): a runc bundle
/// like any other (config.json, rootfs/) plus layers.json, which the runtime's create turns into
/// the layered root. Nothing is left when writing fails.</summary>
public sealed class ImageBundle(ImageStore store, Action<string>? debug = null, Action<string>? warnOnce = null)
{
    /// <summary>The bundle's directory and its config in memory. What the runtime's create checks
    /// before any namespace exists (the image, the user, the volumes, the driver, the directories,
    /// the reference and layers.json) is done when this returns; config.json and the /etc files are
    /// written on a thread of their own meanwhile (serialising the spec is the slow part of the
    /// bundle, the first use of its JSON metadata): <see cref="PreparedBundle.WaitWritten"/>.
    /// The caller waits for them (WaitQuietly) before removing the bundle after a failure.</summary>
    public (string Dir, PreparedBundle Prepared) Write(string id, ImageRunOptions o, bool rootless)
    {
        // Shared, from finding the image to writing the reference (image.json), the short links and
        // layers.json, which names them: an rmi or prune (exclusive) either comes first, and the image
        // is not known, or after, and sees the container. Never a layer removed between the two.
        using var gc = FileLock.Shared(store.Paths.GcLock);
        var image = ImageFetcher.Get(store, o.Image, debug);
        var config = ReadConfig(image);
        var layersTopFirst = TopFirst(image, l => store.Paths.LayerDiff(Digest.Parse(l.DiffId, "layer diff_id")));
        foreach (var l in layersTopFirst)
            if (!Directory.Exists(l)) throw new InvalidOperationException($"image {o.Image}: layer {l} is missing from the store (rlrun image import it again)");
        string? ImageFile(string path) => LayerFiles.Read(layersTopFirst, path);
        // Errors of the image's config or the flags, before anything is made.
        if (o.BareId is { } bare && ImagePrograms.Find(layersTopFirst, bare, config?.Env) is { } program)
            throw new ArgumentException($"\"{bare}\" would be the container's ID, and it is a program of image {o.Image} ({program}): " +
                $"to run it, give it after -- (--image {o.Image} -- {bare}); to name the container so, --name {bare}");
        var user = ImageUser.Resolve(o.User ?? config?.User, ImageFile, o.User is null ? $"image {o.Image}: User" : "--user");
        foreach (var v in o.Volumes)
            if (!Path.Exists(v.Source)) throw new ArgumentException($"--volume {v.Source}:{v.Destination}: the source {v.Source} does not exist");
        string driver = DriverSelection.Resolve(o.StorageDriver, store.Paths.Root, DriverSelection.RealProbe, warnOnce);
        debug?.Invoke($"storage driver: {driver}");
        string hostname = o.Hostname ?? id[..Math.Min(12, id.Length)];
        // Two copies of one pure build: the writer serialises one, create changes the other.
        var spec = ImageSpecBuilder.Build(o, image, config, user, hostname, ImageContainerPaths.Dir(store.Paths, id), rootless);
        var fileSpec = ImageSpecBuilder.Build(o, image, config, user, hostname, ImageContainerPaths.Dir(store.Paths, id), rootless);

        string dir = ImageContainerPaths.Dir(store.Paths, id);
        Directory.CreateDirectory(Path.GetDirectoryName(dir)!);
        try { Directory.CreateDirectory(dir); }
        catch (IOException e) { throw new InvalidOperationException($"container {id}: {dir}: {e.Message}"); }
        if (Directory.EnumerateFileSystemEntries(dir).Any())
            throw new InvalidOperationException($"container {id} already has a directory in the image store ({dir}): rlrun delete {id}");
        // image.json is the container's reference on the image (ContainerReferences): written first.
        var record = new ImageContainerRecord { Id = id, Image = o.Image, ImageId = image.Id, Store = store.Paths.Root, Driver = driver };
        try
        {
            File.WriteAllBytes(Path.Join(dir, ImageContainerRecord.FileName), ImageContainerRecordJson.Serialize(record));
            foreach (var sub in new[] { "rootfs", "upper", "work" }) Directory.CreateDirectory(Path.Join(dir, sub));
            var root = new LayeredRoot
            {
                Driver = driver, Store = store.Paths.Root,
                Lowers = TopFirst(image, l => ShortLinks.For(store.Paths, Digest.Parse(l.DiffId, "layer diff_id"))),
                Upper = Path.Join(dir, "upper"), Work = Path.Join(dir, "work"),
                FuseOverlayfs = driver == StorageDriver.Fuse ? Runtime.Host.ToolLookup.Find("fuse-overlayfs") : null,
            };
            MountOptionLimit.Options(root, userxattr: true); // too many layers: said now, not by the init
            File.WriteAllBytes(Path.Join(dir, LayeredRoot.FileName), LayeredRootJson.Serialize(root));
            // A dedicated thread (the pool would have to start first); its failure is create's, at the wait.
            var written = Task.Factory.StartNew(() =>
            {
                ContainerFiles.Write(dir, hostname, ImageFile);
                File.WriteAllBytes(Path.Join(dir, "config.json"), SpecJsonWriter.Serialize(fileSpec));
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            debug?.Invoke($"image bundle {dir}: {image.Layers.Count} layer(s), {driver}; config.json being written");
            return (dir, new PreparedBundle(spec, root, written));
        }
        catch
        {
            ImageContainerRemoval.Remove(dir, () => store.Unpacker);
            throw;
        }
    }

    /// <summary>Something of each layer, top layer first. A loop, not Reverse().Select(): in NativeAOT
    /// a Select on another LINQ operator's result is a generic virtual call, whose first resolution
    /// starts the runtime's type loader (~0.5 ms of an image run).</summary>
    static List<T> TopFirst<T>(ImageRecord image, Func<ImageLayer, T> of)
    {
        var list = new List<T>(image.Layers.Count);
        for (int i = image.Layers.Count - 1; i >= 0; i--) list.Add(of(image.Layers[i]));
        return list;
    }

    ImageRunConfig? ReadConfig(ImageRecord image)
    {
        string path = store.Paths.Blob(Digest.Parse(image.ConfigDigest, "config digest"));
        byte[] json = File.ReadAllBytes(path);
        // By hand: the run's first System.Text.Json use would build its metadata (~2.6 ms).
        try { return ImageConfigReader.Read(json)?.Config; }
        catch (JsonException e) { throw new InvalidOperationException($"image {image.Id[..12]}: {SpecJsonError.Describe(json, path, "image config", e)}"); }
    }
}
