using System.Text.Json;
using System.Text.Json.Serialization;
using Rlrun.Images.Store;

namespace Rlrun.Images.Run;

/// <summary>image.json in an image container's bundle: which image and store it came from, so
/// delete can drop the image's reference and remove the writable layer. Read and written by
/// ImageContainerRecordJson.</summary>
public sealed class ImageContainerRecord
{
    public const string FileName = "image.json";

    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("image")] public string Image { get; set; } = "";
    [JsonPropertyName("image_id")] public string ImageId { get; set; } = "";
    [JsonPropertyName("store")] public string Store { get; set; } = "";
    [JsonPropertyName("driver")] public string Driver { get; set; } = "";

    public static ImageContainerRecord? Read(string bundle)
    {
        try { return ImageContainerRecordJson.Read(File.ReadAllBytes(Path.Join(bundle, FileName))); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException) { return null; }
    }
}

/// <summary>Where image containers live in the store: containers/ID holds the bundle (config.json,
/// layers.json, image.json, the /etc files), the rootfs mount point, and the writable layer.</summary>
public static class ImageContainerPaths
{
    public static string Dir(StorePaths store, string id) => Path.Join(ContainerReferences.Dir(store), id);
}

/// <summary>Removes what an image container had in the store: its directory with the writable
/// layer, whose image.json is also its reference on the image (ContainerReferences), so that goes
/// last. Safe to call twice; a missing directory is nothing to do.</summary>
public static class ImageContainerRemoval
{
    public static void Remove(string bundle, Func<Unpack.ILayerUnpacker> unpacker)
    {
        if (!Directory.Exists(bundle)) return;
        string work = Path.Join(bundle, "work", "work");
        // overlay leaves work/work mode 0: open it so the tree can be walked.
        if (Directory.Exists(work)) File.SetUnixFileMode(work, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Most writable layers hold only the container root's files (ours): removed here, at no
        // cost. Files of subordinate IDs in their directories need the unpacker's user namespace.
        try { RemoveAllBut(bundle, ImageContainerRecord.FileName); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { unpacker().Remove(bundle); }
        if (Directory.Exists(bundle)) Directory.Delete(bundle, recursive: true);
    }

    static void RemoveAllBut(string dir, string keep)
    {
        foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
        {
            if (entry.Name == keep) continue;
            if (entry is DirectoryInfo d && d.LinkTarget is null) d.Delete(recursive: true);
            else entry.Delete();
        }
    }
}
