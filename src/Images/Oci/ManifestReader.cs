using System.Text.Json;

namespace Rlrun.Images.Oci;

/// <summary>Parses and checks manifests, indexes and configs: every error names the document and field.</summary>
public static class ManifestReader
{
    public const string WantedOs = "linux", WantedArchitecture = "amd64";

    /// <summary>What a document is, from its own mediaType field, else from its shape.</summary>
    public static string KindOf(ReadOnlySpan<byte> json, string what)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new ImageFormatException($"{what}: not a JSON object");
            if (doc.RootElement.TryGetProperty("mediaType", out var mt) && mt.ValueKind == JsonValueKind.String)
                return mt.GetString()!;
            if (doc.RootElement.TryGetProperty("manifests", out _)) return MediaTypes.OciIndex;
            if (doc.RootElement.TryGetProperty("layers", out _)) return MediaTypes.OciManifest;
            throw new ImageFormatException($"{what}: neither a manifest nor an index (no mediaType, layers or manifests)");
        }
        catch (JsonException e) { throw new ImageFormatException($"{what}: invalid JSON: {e.Message}"); }
    }

    public static ImageManifest Manifest(ReadOnlySpan<byte> json, string what)
    {
        var m = Parse(json, what, OciJsonContext.Default.ImageManifest);
        if (m.SchemaVersion != 2) throw new ImageFormatException($"{what}: schemaVersion {m.SchemaVersion} (2 expected)");
        if (m.MediaType is { } t && !MediaTypes.IsManifest(t)) throw new ImageFormatException($"{what}: unsupported media type \"{t}\"");
        if (m.Config is null) throw new ImageFormatException($"{what}: no config descriptor");
        Digest.Parse(m.Config.Digest, $"{what}: config.digest");
        if (m.Config.MediaType is { } ct && !MediaTypes.IsConfig(ct))
            throw new ImageFormatException($"{what}: unsupported config media type \"{ct}\"");
        if (m.Layers is null) throw new ImageFormatException($"{what}: no layers field");
        for (int i = 0; i < m.Layers.Count; i++)
        {
            var l = m.Layers[i];
            Digest.Parse(l.Digest, $"{what}: layers[{i}].digest");
            MediaTypes.LayerCompressionOf(l.MediaType ?? throw new ImageFormatException($"{what}: layers[{i}] has no mediaType"));
            if (l.Size < 0) throw new ImageFormatException($"{what}: layers[{i}].size is negative");
        }
        return m;
    }

    public static ImageIndex Index(ReadOnlySpan<byte> json, string what)
    {
        var x = Parse(json, what, OciJsonContext.Default.ImageIndex);
        if (x.SchemaVersion != 2) throw new ImageFormatException($"{what}: schemaVersion {x.SchemaVersion} (2 expected)");
        if (x.Manifests is null) throw new ImageFormatException($"{what}: no manifests field");
        return x;
    }

    /// <summary>The linux/amd64 entry of an index; an entry without a platform counts as one (a layout's
    /// index.json names images, not platforms).</summary>
    public static Descriptor PickPlatform(ImageIndex index, string what) => PickPlatform(index, what, PlatformSpec.Default);

    /// <summary>The entry for the platform asked for (a variant, when given, must match too).</summary>
    public static Descriptor PickPlatform(ImageIndex index, string what, PlatformSpec wanted)
    {
        var withPlatform = index.Manifests!.Where(d => d.Platform is not null).ToList();
        var match = withPlatform.FirstOrDefault(d => wanted.Matches(d.Platform!));
        if (match is not null) return match;
        if (withPlatform.Count == 0 && index.Manifests!.Count > 0) return index.Manifests[0];
        var seen = string.Join(", ", withPlatform.Select(d => $"{d.Platform!.Os}/{d.Platform.Architecture}{(d.Platform.Variant is { } v ? "/" + v : "")}"));
        throw new ImageFormatException($"{what}: no {wanted} entry (has: {(seen.Length > 0 ? seen : "none")})");
    }

    public static ImageConfig Config(ReadOnlySpan<byte> json, string what, int layerCount) => Config(json, what, layerCount, PlatformSpec.Default);

    public static ImageConfig Config(ReadOnlySpan<byte> json, string what, int layerCount, PlatformSpec wanted)
    {
        var c = Parse(json, what, OciJsonContext.Default.ImageConfig);
        if (c.RootFs?.DiffIds is not { } ids) throw new ImageFormatException($"{what}: no rootfs.diff_ids");
        if (c.RootFs.Type is { } type && type != "layers") throw new ImageFormatException($"{what}: rootfs.type \"{type}\" (\"layers\" expected)");
        if (ids.Count != layerCount)
            throw new ImageFormatException($"{what}: rootfs.diff_ids has {ids.Count} entries for {layerCount} layers");
        for (int i = 0; i < ids.Count; i++) Digest.Parse(ids[i], $"{what}: rootfs.diff_ids[{i}]");
        if (c.Os is { } os && os != wanted.Os) throw new ImageFormatException($"{what}: os \"{os}\" ({wanted.Os} expected)");
        if (c.Architecture is { } arch && arch != wanted.Architecture)
            throw new ImageFormatException($"{what}: architecture \"{arch}\" ({wanted.Architecture} expected)");
        return c;
    }

    static T Parse<T>(ReadOnlySpan<byte> json, string what, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
    {
        try { return JsonSerializer.Deserialize(json, info) ?? throw new ImageFormatException($"{what}: null document"); }
        catch (JsonException e) { throw new ImageFormatException($"{what}: invalid JSON{(e.Path is { } p ? $" at {p}" : "")}: {e.Message}"); }
    }
}
