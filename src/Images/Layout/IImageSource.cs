using Rlrun.Images.Oci;

namespace Rlrun.Images.Layout;

/// <summary>Where an import reads an image from: its manifest (linux/amd64 already chosen), its
/// blobs by digest, and the names the source gives it.</summary>
public interface IImageSource : IDisposable
{
    /// <summary>For messages: "OCI layout /x", "docker-archive /y.tar".</summary>
    string Description { get; }

    /// <summary>The manifest's bytes as stored (its digest is theirs) and its media type.</summary>
    (byte[] Bytes, string MediaType) Manifest { get; }

    Stream OpenBlob(Digest digest, string what);

    /// <summary>Names the source carries (OCI ref.name annotations, docker RepoTags); may be empty.</summary>
    IReadOnlyList<ImageReference> Names { get; }
}
