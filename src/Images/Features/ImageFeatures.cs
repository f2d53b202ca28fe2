using System.Diagnostics.CodeAnalysis;

namespace Rlrun.Images;

/// <summary>Whether this build carries the means of getting images into the store: the registry
/// client (HTTP, TLS, auth) and layer decompression (gzip, zstd). The small `rlrun`, the binary
/// podman and containerd call for every OCI command, is published with the switch off: ILC then
/// drops the code behind it, and with it a fifth of the data every process start rehydrates.
/// rlrun-full, installed beside it, is published with it on; the small binary hands it pull,
/// login and image import (src/Cli/FullBinary.cs), and the pull of a missing image for
/// run --image. Unset (tests, `dotnet run`), everything is carried.</summary>
public static class ImageFeatures
{
    public const string FetchingSwitch = "Rlrun.Images.Fetching";

    [FeatureSwitchDefinition(FetchingSwitch)]
    public static bool Fetching => !AppContext.TryGetSwitch(FetchingSwitch, out bool on) || on;

    /// <summary>The message of the guard a small build reaches only through a bug of ours.</summary>
    public static NotSupportedException NotCarried(string what) =>
        new($"{what}: not carried by this rlrun (the small build); rlrun-full does it");
}
