using System.Text.Json.Serialization;

namespace Rlrun.Images.Store;

/// <summary>One image in the store's index: its manifest and config blobs, its layers in order,
/// the names pointing at it, and the containers using it.</summary>
public sealed class ImageRecord
{
    /// <summary>The config's digest hex: the image ID, as docker and podman show it.</summary>
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("manifest_digest")] public string ManifestDigest { get; set; } = "";
    [JsonPropertyName("manifest_media_type")] public string ManifestMediaType { get; set; } = "";
    [JsonPropertyName("config_digest")] public string ConfigDigest { get; set; } = "";
    [JsonPropertyName("layers")] public List<ImageLayer> Layers { get; set; } = [];
    [JsonPropertyName("names")] public List<string> Names { get; set; } = [];
    [JsonPropertyName("created")] public DateTimeOffset? Created { get; set; }
    [JsonPropertyName("imported")] public DateTimeOffset Imported { get; set; }
    /// <summary>Unpacked size of all layers, in bytes.</summary>
    [JsonPropertyName("size")] public long Size { get; set; }
    /// <summary>Containers made from this image: rmi refuses while there is one (unless --force).</summary>
    [JsonPropertyName("users")] public List<string> Users { get; set; } = [];
}

public sealed class ImageLayer
{
    [JsonPropertyName("digest")] public string Digest { get; set; } = "";
    [JsonPropertyName("diff_id")] public string DiffId { get; set; } = "";
    [JsonPropertyName("media_type")] public string MediaType { get; set; } = "";
    [JsonPropertyName("size")] public long Size { get; set; }
}

/// <summary>A layer unpacked under layers/HEX/diff: how many images reference it and what form its
/// whiteouts have, for the overlay mount of the next step.</summary>
public sealed class LayerRecord
{
    [JsonPropertyName("diff_id")] public string DiffId { get; set; } = "";
    [JsonPropertyName("refs")] public int Refs { get; set; }
    [JsonPropertyName("size")] public long Size { get; set; }
    /// <summary>"overlay-userxattr": whiteouts are 0/0 character devices, opaque directories carry
    /// user.overlay.opaque=y (overlayfs mounted with userxattr; fuse-overlayfs reads both).</summary>
    [JsonPropertyName("format")] public string Format { get; set; } = LayerFormat.OverlayUserXattr;
    /// <summary>The uid/gid maps the files were owned through (container -> host), e.g. "0:1001:1,1:100000:65536".</summary>
    [JsonPropertyName("uid_map")] public string UidMap { get; set; } = "";
    [JsonPropertyName("gid_map")] public string GidMap { get; set; } = "";
}

public static class LayerFormat
{
    public const string OverlayUserXattr = "overlay-userxattr";
}

/// <summary>index.json: the images and the layer records, read and written together under store.lock.</summary>
public sealed class StoreIndex
{
    [JsonPropertyName("images")] public List<ImageRecord> Images { get; set; } = [];
    [JsonPropertyName("layers")] public Dictionary<string, LayerRecord> Layers { get; set; } = [];
}

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoreIndex))]
[JsonSerializable(typeof(ImageRecord))]
[JsonSerializable(typeof(List<ImageRecord>))]
[JsonSerializable(typeof(LayerRecord))]
public sealed partial class StoreJsonContext : JsonSerializerContext;
