using System.Text.Json;

namespace Rlrun.Images.Store;

/// <summary>The containers made from an image: each image container's directory in the store
/// (containers/ID/image.json) is its reference. Kept there rather than in index.json so a container's
/// start and removal cost no index rewrite (two fsyncs each); rmi and prune read them here.</summary>
public static class ContainerReferences
{
    public static string Dir(StorePaths paths) => Path.Join(paths.Root, "containers");

    /// <summary>IDs of the containers whose image.json names this image, with the index's own users.</summary>
    public static List<string> Of(StorePaths paths, ImageRecord image)
    {
        var result = new List<string>(image.Users);
        if (!Directory.Exists(Dir(paths))) return result;
        foreach (var dir in Directory.EnumerateDirectories(Dir(paths)))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Join(dir, "image.json")));
                if (doc.RootElement.TryGetProperty("image_id", out var id) && id.GetString() == image.Id && !result.Contains(Path.GetFileName(dir)))
                    result.Add(Path.GetFileName(dir));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException) { } // being made or removed
        }
        return result;
    }
}
