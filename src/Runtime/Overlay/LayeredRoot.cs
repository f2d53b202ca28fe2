using System.Text.Json.Serialization;

namespace Rlrun.Runtime.Overlay;

/// <summary>A container root made of an image's layers and a writable layer of its own: what the
/// init mounts (or copies) at the bundle's rootfs before anything else, inside the container's user
/// and mount namespace. Written by the image run as layers.json beside config.json, so a plain
/// `create --bundle` of that bundle (and every supervised restart) builds the same root. Read and
/// written by LayeredRootJson; the names are those System.Text.Json gave it.</summary>
public sealed class LayeredRoot
{
    public const string FileName = "layers.json";

    [JsonPropertyName("driver")] public string Driver { get; set; } = StorageDriver.Overlay;
    /// <summary>The store directory: the short links in Lowers are relative to it.</summary>
    [JsonPropertyName("store")] public string Store { get; set; } = "";
    /// <summary>Short links ("l/ABC..."), top layer first: lowerdir as the mount sees it.</summary>
    [JsonPropertyName("lowers")] public List<string> Lowers { get; set; } = [];
    /// <summary>The writable layer and overlay's work directory (vfs: the copy goes to Upper).</summary>
    [JsonPropertyName("upper")] public string Upper { get; set; } = "";
    [JsonPropertyName("work")] public string Work { get; set; } = "";
    /// <summary>fuse-overlayfs's path, found by the runtime before the container's namespaces exist.</summary>
    [JsonPropertyName("fuse_overlayfs")] public string? FuseOverlayfs { get; set; }

    /// <summary>Not written: System.Text.Json's context wrote this computed list out too, read by nothing.</summary>
    [JsonIgnore] public IEnumerable<string> LowerPaths => Lowers.Select(l => Path.Join(Store, l));
}
