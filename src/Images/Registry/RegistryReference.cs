using Rlrun.Images.Oci;

namespace Rlrun.Images.Registry;

/// <summary>What `rlrun pull` names: [REGISTRY/]REPOSITORY[:TAG][@DIGEST]. The first component is a
/// registry when it has a '.' or a ':' or is "localhost" (docker's rule); otherwise the name is short
/// and registries.conf says where to look. Docker Hub's one-component names get "library/".</summary>
public sealed record RegistryReference(string Registry, string Repository, string? Tag, Digest? Digest)
{
    public const string DockerHub = "docker.io";

    /// <summary>The reference as it is stored and shown: REGISTRY/REPO:TAG, or REGISTRY/REPO@DIGEST.</summary>
    public override string ToString() => Tag is not null ? $"{Registry}/{Repository}:{Tag}" : $"{Registry}/{Repository}@{Digest}";

    /// <summary>What the manifest endpoint takes: the digest when there is one (it pins the content), else the tag.</summary>
    public string ManifestReference => Digest?.ToString() ?? Tag!;

    /// <summary>The name under which the store records the pull: NAME:TAG, or NAME@DIGEST for a pull by digest only.</summary>
    public string StoreName => Tag is not null ? new ImageReference($"{Registry}/{Repository}", Tag).ToString() : ToString();

    /// <summary>Where the API is served: Docker Hub's API lives on another host than its name.</summary>
    public string ApiHost => Registry == DockerHub ? "registry-1.docker.io" : Registry;

    /// <summary>A parsed name with its registry (null when the name is short) and the rest.</summary>
    public sealed record Parsed(string? Registry, string Repository, string? Tag, Digest? Digest)
    {
        public RegistryReference In(string registry)
        {
            string repo = registry == DockerHub && !Repository.Contains('/') ? "library/" + Repository : Repository;
            string? tag = Tag ?? (Digest is null ? "latest" : null);
            return new RegistryReference(registry, repo, tag, Digest);
        }
    }

    public static Parsed Parse(string text)
    {
        string rest = text;
        Digest? digest = null;
        int at = text.IndexOf('@');
        if (at >= 0)
        {
            try { digest = Oci.Digest.Parse(text[(at + 1)..], $"image reference \"{text}\""); }
            catch (ImageFormatException e) { throw new ArgumentException(e.Message); }
            rest = text[..at];
        }
        // Validates name and tag together (lowercase components, a tag's characters).
        var named = ImageReference.TryParse(rest, out var r) ? r! : throw new ArgumentException(
            $"invalid image reference \"{text}\": [REGISTRY/]NAME[:TAG][@sha256:DIGEST] expected, with lowercase names");
        int slash = rest.LastIndexOf('/'), colon = rest.LastIndexOf(':');
        string? tag = colon > slash ? named.Tag : null;
        string name = named.Name;
        int first = name.IndexOf('/');
        if (first > 0)
        {
            string head = name[..first];
            if (head.Contains('.') || head.Contains(':') || head == "localhost")
            {
                if (head.Any(char.IsUpper)) throw new ArgumentException($"invalid image reference \"{text}\": the registry name must be lowercase");
                return new Parsed(head == "index.docker.io" ? DockerHub : head, name[(first + 1)..], tag, digest);
            }
        }
        return new Parsed(null, name, tag, digest);
    }

    /// <summary>A fully qualified reference; throws for a short name.</summary>
    public static RegistryReference ParseQualified(string text)
    {
        var p = Parse(text);
        return p.Registry is null ? throw new ArgumentException($"image reference \"{text}\" names no registry") : p.In(p.Registry);
    }
}
