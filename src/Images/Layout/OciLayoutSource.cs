using System.Text.Json;
using Rlrun.Images.Oci;

namespace Rlrun.Images.Layout;

/// <summary>An OCI image layout directory (image-spec image-layout.md): oci-layout, index.json,
/// blobs/sha256/. What skopeo, umoci and buildah write. A reference picks one image by its
/// org.opencontainers.image.ref.name when the index holds several.</summary>
public sealed class OciLayoutSource : IImageSource
{
    readonly string _dir;
    readonly Action? _dispose;

    public string Description { get; }
    public (byte[] Bytes, string MediaType) Manifest { get; }
    public IReadOnlyList<ImageReference> Names { get; }

    public OciLayoutSource(string dir, string? reference, string description, Action? dispose = null)
    {
        _dir = dir;
        _dispose = dispose;
        Description = description;
        string layoutFile = Path.Join(dir, "oci-layout");
        if (!File.Exists(layoutFile)) throw new ImageFormatException($"{description}: not an OCI layout (no oci-layout file)");
        try
        {
            var layout = JsonSerializer.Deserialize(File.ReadAllBytes(layoutFile), OciJsonContext.Default.OciLayoutFile);
            if (layout?.ImageLayoutVersion != "1.0.0")
                throw new ImageFormatException($"{description}: oci-layout: imageLayoutVersion \"{layout?.ImageLayoutVersion}\" (1.0.0 expected)");
        }
        catch (JsonException e) { throw new ImageFormatException($"{description}: oci-layout: invalid JSON: {e.Message}"); }
        string indexFile = Path.Join(dir, "index.json");
        if (!File.Exists(indexFile)) throw new ImageFormatException($"{description}: no index.json");
        var index = ManifestReader.Index(File.ReadAllBytes(indexFile), $"{description}: index.json");

        var entry = Choose(index, reference, description);
        var names = new List<ImageReference>();
        if (NameFrom(entry.RefName) is { } named) names.Add(named);
        if (NameFrom(entry.Annotations?.GetValueOrDefault("io.containerd.image.name")) is { } containerd && !names.Contains(containerd)) names.Add(containerd);
        Names = names;

        // An entry may itself be an index (a multi-platform image): take its linux/amd64 manifest.
        for (int depth = 0; ; depth++)
        {
            var digest = Digest.Parse(entry.Digest, $"{description}: index.json: manifests[].digest");
            byte[] bytes = ReadBlob(digest, "manifest");
            string what = $"{description}: manifest {digest}";
            string kind = entry.MediaType ?? ManifestReader.KindOf(bytes, what);
            if (MediaTypes.IsIndex(kind))
            {
                if (depth > 2) throw new ImageFormatException($"{what}: indexes nested too deep");
                entry = ManifestReader.PickPlatform(ManifestReader.Index(bytes, what), what);
                continue;
            }
            if (!MediaTypes.IsManifest(kind)) throw new ImageFormatException($"{what}: unsupported media type \"{kind}\"");
            Manifest = (bytes, kind);
            break;
        }
    }

    static Descriptor Choose(ImageIndex index, string? reference, string description)
    {
        var entries = index.Manifests!;
        if (entries.Count == 0) throw new ImageFormatException($"{description}: index.json lists no image");
        if (reference is not null)
        {
            return entries.FirstOrDefault(e => e.RefName == reference)
                ?? throw new ImageFormatException($"{description}: no image named \"{reference}\" (has: {string.Join(", ", entries.Select(e => e.RefName ?? "(unnamed)"))})");
        }
        if (entries.Count == 1) return entries[0];
        // Several entries without names are the platforms of one image.
        if (entries.All(e => e.RefName is null) && entries.Any(e => e.Platform is not null))
            return ManifestReader.PickPlatform(index, $"{description}: index.json");
        throw new ImageFormatException($"{description}: index.json lists {entries.Count} images: name one (DIR:REF) among {string.Join(", ", entries.Select(e => e.RefName ?? "(unnamed)"))}");
    }

    /// <summary>A ref.name is a full reference ("host/name:tag") or, as skopeo writes it, only a tag.</summary>
    static ImageReference? NameFrom(string? refName)
    {
        if (refName is null || !(refName.Contains('/') || refName.Contains(':'))) return null;
        return ImageReference.TryParse(refName, out var r) ? r : null;
    }

    byte[] ReadBlob(Digest digest, string what)
    {
        using var s = OpenBlob(digest, what);
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    public Stream OpenBlob(Digest digest, string what)
    {
        string path = Path.Join(_dir, "blobs", "sha256", digest.Hex);
        try { return File.OpenRead(path); }
        catch (FileNotFoundException) { throw new ImageFormatException($"{Description}: {what} blob {digest} is missing (blobs/sha256/{digest.Hex})"); }
    }

    public void Dispose() => _dispose?.Invoke();
}
