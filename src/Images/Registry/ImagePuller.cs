using Rlrun.Images.Oci;
using Rlrun.Images.Store;

namespace Rlrun.Images.Registry;

/// <summary>`rlrun pull`, and what any other command calls to pull a missing image: resolves the
/// name (short names through registries.conf), fetches the manifest (an index narrowed to the
/// platform), downloads the config and the layers into the store's verified blobs, several at once,
/// each layer unpacked as soon as its download ends, and records the image last, as an import does
/// (ImageImporter): a failure or a kill leaves nothing named.</summary>
public sealed class ImagePuller(ImageStore store, Action<string>? debug)
{
    public static Task<ImageRecord> PullAsync(ImageStore store, string reference, PullOptions options, CancellationToken ct, Action<string>? debug = null) =>
        new ImagePuller(store, debug).PullAsync(reference, options, ct);

    public async Task<ImageRecord> PullAsync(string reference, PullOptions options, CancellationToken ct)
    {
        var parsed = RegistryReference.Parse(reference);
        var conf = options.Registries ?? RegistriesConf.Load();
        List<RegistryReference> candidates;
        if (parsed.Registry is { } registry) candidates = [parsed.In(registry)];
        else
        {
            candidates = conf.SearchRegistries.Select(parsed.In).ToList();
            if (candidates.Count == 0)
                throw new ArgumentException($"short name \"{reference}\": no unqualified-search-registries in {(conf.Sources.Count > 0 ? string.Join(", ", conf.Sources) : "registries.conf (none found)")}: give REGISTRY/NAME");
        }
        var misses = new List<string>();
        foreach (var candidate in candidates)
        {
            options.Progress.Note($"Trying to pull {candidate}...");
            try { return await PullFromAsync(candidate, options, conf, ct); }
            catch (Exception e) when (candidates.Count > 1 && e is RegistryNotFoundException or HttpRequestException)
            {
                debug?.Invoke($"{candidate}: {e.Message}");
                misses.Add($"{candidate.Registry}: {e.Message}");
            }
        }
        throw new RegistryNotFoundException($"image \"{reference}\" is in none of the search registries ({string.Join("; ", misses)})");
    }

    async Task<ImageRecord> PullFromAsync(RegistryReference r, PullOptions options, RegistriesConf conf, CancellationToken ct)
    {
        var credentials = options.Credentials ?? AuthFile.Find(r.Registry, r.Repository, options.AuthFile);
        if (conf.BlockedBy($"{r.Registry}/{r.Repository}") is { } blockedIn)
            throw new RegistryException($"registry {r.Registry}: {r.Registry}/{r.Repository} is blocked in {blockedIn}");
        var transport = RegistryTransports.For(r.Registry, options.TlsVerify, conf, r.Repository);
        debug?.Invoke($"pulling {r} over {transport}{(credentials is not null ? $" as {credentials.User} (from {credentials.Source})" : "")}");
        using var client = new RegistryClient(r.Registry, r.ApiHost, transport, credentials, options.Retry, debug);
        await client.PingAsync(ct);

        var (manifestBytes, manifestType, manifestDigest) = await ResolveManifestAsync(client, r, options.Platform, ct);
        string what = $"{r}: manifest {manifestDigest}";
        var manifest = ManifestReader.Manifest(manifestBytes, what);

        // Shared: pulls and imports run together; rmi and prune wait (ImageCollector).
        using var gc = FileLock.Shared(store.Paths.GcLock);
        var configDigest = Digest.Parse(manifest.Config!.Digest, $"{what}: config.digest");
        options.Progress.Begin(configDigest.Short, "config", manifest.Config.Size);
        Download(client, r, configDigest, manifest.Config.Size, "config", options, ct);
        options.Progress.End(configDigest.Short, "done");
        var config = ManifestReader.Config(store.Blobs.Read(configDigest), $"{r}: config {configDigest}", manifest.Layers!.Count, options.Platform);

        var importer = new ImageImporter(store, debug);
        var layers = await LayersAsync(client, r, manifest, config, importer, options, ct);
        store.Blobs.Put(manifestDigest, manifestBytes, $"{r}: manifest");
        options.Progress.Note("Writing manifest to image destination");

        var image = new ImageRecord
        {
            Id = configDigest.Hex, ManifestDigest = manifestDigest.ToString(), ManifestMediaType = manifestType,
            ConfigDigest = configDigest.ToString(), Layers = layers.Select(l => l.Layer).ToList(), Names = [r.StoreName],
            Created = config.Created, Imported = DateTimeOffset.UtcNow, Size = layers.Sum(l => l.Record.Size),
        };
        return store.Index.Update(index => (true, ImageImporter.Register(index, image)));
    }

    /// <summary>The manifest for the platform: an index is narrowed by its platform entries; every
    /// manifest fetched by digest is checked against it.</summary>
    static async Task<(byte[] Bytes, string MediaType, Digest Digest)> ResolveManifestAsync(RegistryClient client, RegistryReference r, PlatformSpec platform, CancellationToken ct)
    {
        string reference = r.ManifestReference;
        Digest? expected = r.Digest;
        for (int depth = 0; ; depth++)
        {
            var m = await client.GetManifestAsync(r.Repository, reference, ct);
            var digest = Digest.Of(m.Bytes);
            string what = $"{r.Registry}/{r.Repository}: manifest {reference}";
            if (expected is { } want && digest != want)
                throw new ImageFormatException($"{what}: digest mismatch: asked for {want}, content is {digest}");
            if (expected is null && m.ServedDigest is { } served && served != digest)
                throw new ImageFormatException($"{what}: digest mismatch: the registry says {served}, content is {digest}");
            string kind = MediaTypes.IsManifest(m.MediaType) || MediaTypes.IsIndex(m.MediaType) ? m.MediaType : ManifestReader.KindOf(m.Bytes, what);
            if (MediaTypes.IsManifest(kind)) return (m.Bytes, kind, digest);
            if (!MediaTypes.IsIndex(kind)) throw new ImageFormatException($"{what}: unsupported media type \"{kind}\"");
            if (depth > 1) throw new ImageFormatException($"{what}: indexes nested too deep");
            var entry = ManifestReader.PickPlatform(ManifestReader.Index(m.Bytes, what), what, platform);
            expected = Digest.Parse(entry.Digest, $"{what}: manifests[].digest");
            reference = expected.Value.ToString();
        }
    }

    sealed record PulledLayer(ImageLayer Layer, LayerRecord Record);

    /// <summary>Downloads run a few at once; each layer unpacks (in its own helper) as soon as its
    /// blob is stored, so unpacking one layer overlaps the download of the next.</summary>
    async Task<IReadOnlyList<PulledLayer>> LayersAsync(RegistryClient client, RegistryReference r, ImageManifest manifest, ImageConfig config,
        ImageImporter importer, PullOptions options, CancellationToken ct)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var downloads = new SemaphoreSlim(Math.Max(1, options.ParallelDownloads));
        var tasks = manifest.Layers!.Select((d, i) => Task.Run(async () =>
        {
            var blob = Digest.Parse(d.Digest, $"{r}: layers[{i}].digest");
            var diffId = Digest.Parse(config.RootFs!.DiffIds![i], $"{r}: config: rootfs.diff_ids[{i}]");
            string layerWhat = $"{r}: layer {i + 1} ({blob})";
            try
            {
                await downloads.WaitAsync(cancel.Token);
                try
                {
                    options.Progress.Begin(blob.Short, "blob", d.Size);
                    bool fetched = Download(client, r, blob, d.Size, $"layer {i + 1}", options, cancel.Token);
                    options.Progress.End(blob.Short, fetched ? "done" : "already exists");
                }
                finally { downloads.Release(); }
                var record = importer.EnsureLayer(blob, MediaTypes.LayerCompressionOf(d.MediaType!), diffId, layerWhat);
                return new PulledLayer(new ImageLayer { Digest = blob.ToString(), DiffId = diffId.ToString(), MediaType = d.MediaType!, Size = d.Size }, record);
            }
            catch (Exception) { cancel.Cancel(); throw; }
        }, cancel.Token)).ToList();
        try { return await Task.WhenAll(tasks); }
        catch (Exception)
        {
            // The first layer's own error, not a cancellation it caused in the others.
            var first = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault(e => e is not OperationCanceledException);
            if (first is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            throw;
        }
    }

    /// <summary>The blob into the store (verified against its digest and size); false when it was there already.
    /// A download that stops (the registry went away, ^C, another layer failed) leaves its bytes for
    /// the next pull, which asks for the rest with Range.</summary>
    bool Download(RegistryClient client, RegistryReference r, Digest digest, long size, string what, PullOptions options, CancellationToken ct) =>
        store.Blobs.PutResumable(digest, size, start => new ResumableBlobStream(client, r.Repository, digest, size, options.Retry, $"{r}: {what}",
                n => options.Progress.Advance(digest.Short, n), debug, ct, start), $"{r}: {what}",
            e => e is RegistryException and not RegistryNotFoundException and not RegistryAuthException or HttpRequestException or OperationCanceledException, debug);
}
