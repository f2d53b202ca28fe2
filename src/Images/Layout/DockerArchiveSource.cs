using System.Text;
using System.Text.Json;
using Rlrun.Images.Oci;

namespace Rlrun.Images.Layout;

/// <summary>A docker-archive (what `docker save` and `podman save` write): manifest.json naming a
/// config file and layer tars. rlrun stores it as a Docker schema 2 image: the config and layers
/// keep their content (so their digests), and the manifest is made from them.</summary>
public sealed class DockerArchiveSource : IImageSource
{
    readonly ArchiveExtractor _archive;
    readonly Dictionary<Digest, string> _files = [];

    public string Description { get; }
    public (byte[] Bytes, string MediaType) Manifest { get; }
    public IReadOnlyList<ImageReference> Names { get; }

    public DockerArchiveSource(ArchiveExtractor archive, string? reference, string description)
    {
        _archive = archive;
        Description = description;
        List<DockerArchiveEntry> entries;
        using (var s = archive.Open("manifest.json", description))
        {
            try { entries = JsonSerializer.Deserialize(s, OciJsonContext.Default.ListDockerArchiveEntry) ?? []; }
            catch (JsonException e) { throw new ImageFormatException($"{description}: manifest.json: invalid JSON: {e.Message}"); }
        }
        if (entries.Count == 0) throw new ImageFormatException($"{description}: manifest.json lists no image");
        DockerArchiveEntry entry;
        if (reference is not null)
        {
            var wanted = ImageReference.Parse(reference);
            entry = entries.FirstOrDefault(e => e.RepoTags?.Any(t => ImageReference.TryParse(t, out var r) && r == wanted) == true)
                ?? throw new ImageFormatException($"{description}: no image tagged \"{reference}\"");
        }
        else if (entries.Count == 1) entry = entries[0];
        else throw new ImageFormatException($"{description}: manifest.json lists {entries.Count} images: name one (FILE:NAME[:TAG])");

        if (entry.Config is null) throw new ImageFormatException($"{description}: manifest.json: no Config");
        if (entry.Layers is null) throw new ImageFormatException($"{description}: manifest.json: no Layers");
        Names = (entry.RepoTags ?? []).Select(t => ImageReference.TryParse(t, out var r) ? r : null).OfType<ImageReference>().ToList();

        var config = Describe(entry.Config, MediaTypes.DockerConfig, "config");
        var layers = entry.Layers.Select((l, i) => Describe(l, null, $"layer {i + 1}")).ToList();
        Manifest = (BuildManifest(config, layers), MediaTypes.DockerManifest);
    }

    Stream Open(string name, string what) => _archive.Open(name, $"{Description}: {what}");

    /// <summary>Digest and size of a file of the archive; a layer's media type from its first bytes.</summary>
    Descriptor Describe(string name, string? mediaType, string what)
    {
        using var s = Open(name, what);
        var head = new byte[2];
        int n = s.Read(head);
        s.Position = 0;
        var digest = new Digest(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(s)));
        _files[digest] = name;
        return new Descriptor
        {
            MediaType = mediaType ?? (n == 2 && head[0] == 0x1f && head[1] == 0x8b ? MediaTypes.DockerLayerGzip : MediaTypes.DockerLayer),
            Digest = digest.ToString(),
            Size = s.Length,
        };
    }

    static byte[] BuildManifest(Descriptor config, List<Descriptor> layers)
    {
        var m = new ImageManifest { SchemaVersion = 2, MediaType = MediaTypes.DockerManifest, Config = config, Layers = layers };
        return JsonSerializer.SerializeToUtf8Bytes(m, OciJsonContext.Default.ImageManifest);
    }

    public Stream OpenBlob(Digest digest, string what) =>
        _files.TryGetValue(digest, out var name) ? Open(name, what)
            : throw new ImageFormatException($"{Description}: {what} {digest} is not in the archive");

    public void Dispose() => _archive.Dispose();
}
