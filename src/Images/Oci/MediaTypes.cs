namespace Rlrun.Images.Oci;

/// <summary>The media types rlrun reads: OCI and Docker schema 2 manifests, indexes, configs and layers.</summary>
public static class MediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
    public const string OciLayerNondistributableGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
    public const string OciLayerNondistributable = "application/vnd.oci.image.layer.nondistributable.v1.tar";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string DockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

    public static bool IsManifest(string? t) => t is OciManifest or DockerManifest;
    public static bool IsIndex(string? t) => t is OciIndex or DockerManifestList;
    public static bool IsConfig(string? t) => t is OciConfig or DockerConfig;

    /// <summary>How a layer blob is compressed, from its media type; throws for what rlrun cannot read.</summary>
    public static LayerCompression LayerCompressionOf(string mediaType) => mediaType switch
    {
        OciLayer or OciLayerNondistributable or DockerLayer => LayerCompression.None,
        OciLayerGzip or OciLayerNondistributableGzip or DockerLayerGzip or DockerForeignLayerGzip => LayerCompression.Gzip,
        OciLayerZstd => LayerCompression.Zstd,
        _ => throw new ImageFormatException($"unsupported layer media type \"{mediaType}\""),
    };
}

public enum LayerCompression { None, Gzip, Zstd }

/// <summary>An image that rlrun cannot or must not store: the message names the field or blob.</summary>
public sealed class ImageFormatException(string message) : Exception(message);
