namespace Rlrun.Runtime.Overlay;

/// <summary>How an image container's layers become its root: kernel overlayfs mounted in the
/// container's user namespace, fuse-overlayfs, or a copy ("vfs", podman's name for it).</summary>
public static class StorageDriver
{
    public const string Overlay = "overlay", Fuse = "fuse-overlayfs", Vfs = "vfs", Auto = "auto";

    /// <summary>The order auto tries them in: fastest first.</summary>
    public static readonly string[] Preference = [Overlay, Fuse, Vfs];

    public static bool IsKnown(string name) => name is Overlay or Fuse or Vfs or Auto;

    /// <param name="source">where the value came from, for the error (--storage-driver, rlrun.json)</param>
    public static string Parse(string value, string source) => IsKnown(value) ? value
        : throw new ArgumentException($"invalid storage driver \"{value}\" ({source}): overlay, fuse-overlayfs, vfs or auto");
}
