using Rlrun.Images.Oci;
using Rlrun.Images.Store;

namespace Rlrun.Images.Layout;

/// <summary>Opens what `rlrun image import` names: DIR or oci:DIR[:REF] (an OCI layout),
/// oci-archive:FILE[:REF], docker-archive:FILE[:NAME[:TAG]].</summary>
public static class ImageSources
{
    public static IImageSource Open(string source, StorePaths paths)
    {
        if (source.StartsWith("oci-archive:", StringComparison.Ordinal))
        {
            var (file, reference) = SplitReference(source["oci-archive:".Length..]);
            string description = $"oci-archive {file}";
            var archive = new ArchiveExtractor(paths, file, description);
            try { return new OciLayoutSource(archive.Dir, reference, description, archive.Dispose); }
            catch { archive.Dispose(); throw; }
        }
        if (source.StartsWith("docker-archive:", StringComparison.Ordinal))
        {
            var (file, reference) = SplitReference(source["docker-archive:".Length..]);
            string description = $"docker-archive {file}";
            var archive = new ArchiveExtractor(paths, file, description);
            try { return new DockerArchiveSource(archive, reference, description); }
            catch { archive.Dispose(); throw; }
        }
        string layout = source.StartsWith("oci:", StringComparison.Ordinal) ? source[4..] : source;
        var (dir, r) = Directory.Exists(layout) ? (layout, null) : SplitReference(layout);
        if (!Directory.Exists(dir))
            throw new ArgumentException($"image source \"{source}\": no such directory (give DIR, oci:DIR[:REF], oci-archive:FILE or docker-archive:FILE)");
        return new OciLayoutSource(dir, r, $"OCI layout {dir}");
    }

    /// <summary>"FILE:REF" -> (FILE, REF) when FILE exists without the suffix; a path may contain ':'.</summary>
    static (string Path, string? Reference) SplitReference(string text)
    {
        if (File.Exists(text) || Directory.Exists(text)) return (text, null);
        for (int colon = text.IndexOf(':'); colon > 0; colon = text.IndexOf(':', colon + 1))
            if (File.Exists(text[..colon]) || Directory.Exists(text[..colon])) return (text[..colon], text[(colon + 1)..]);
        return (text, null);
    }
}
