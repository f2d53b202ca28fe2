namespace Rlrun.Runtime.Overlay;

/// <summary>overlayfs's (and fuse's) options travel in one page: an option string longer than
/// that is refused with a bare EINVAL. The short links keep each layer to ~30 bytes, so ~120
/// layers fit; past that the error says why instead.</summary>
public static class MountOptionLimit
{
    public const int Bytes = 4096 - 1;

    public static string Options(LayeredRoot root, bool userxattr)
    {
        string data = $"lowerdir={string.Join(':', root.Lowers)},upperdir={root.Upper},workdir={root.Work}";
        if (userxattr) data += ",userxattr";
        if (data.Length > Bytes)
            throw new InvalidOperationException($"{root.Lowers.Count} layers: the overlay mount options are {data.Length} bytes, over the {Bytes}-byte limit (an image with fewer layers, or --storage-driver vfs)");
        foreach (var p in new[] { root.Upper, root.Work }.Concat(root.Lowers))
            if (p.IndexOfAny([',', ':']) >= 0)
                throw new InvalidOperationException($"overlay path {p}: ',' and ':' cannot appear in an overlay mount option (move the image store)");
        return data;
    }
}
