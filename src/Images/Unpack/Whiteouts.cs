namespace Rlrun.Images.Unpack;

/// <summary>The OCI whiteout names (image-spec layer.md) and the overlay form they become.
/// A whiteout is a 0/0 character device: overlayfs reads it with or without userxattr, and so does
/// fuse-overlayfs; creating one needs no privilege since Linux 5.8 (unlike any other device).
/// An opaque directory carries user.overlay.opaque=y: the form overlayfs reads when mounted with
/// userxattr in a user namespace (Linux 5.11+), and that fuse-overlayfs reads too.</summary>
public static class Whiteouts
{
    public const string Prefix = ".wh.";
    public const string OpaqueMarker = ".wh..wh..opq";
    public const string OpaqueXattr = "user.overlay.opaque";
    public static readonly byte[] OpaqueValue = "y"u8.ToArray();

    public static bool IsOpaqueMarker(string name) => name == OpaqueMarker;

    /// <summary>The name a whiteout entry hides, or null when the entry is not one.</summary>
    public static string? Hidden(string name) =>
        name.StartsWith(Prefix, StringComparison.Ordinal) && name != OpaqueMarker ? name[Prefix.Length..] : null;
}
