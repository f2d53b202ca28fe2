using Rlrun.Runtime.Host;

namespace Rlrun.Runtime.Overlay;

/// <summary>`rlrun check`'s storage-driver line: which driver image containers get here (probed
/// afresh, on the image store's file system), and why the faster ones do not work.</summary>
public static class StorageDriverCheck
{
    public const string Name = "storage-driver";

    public static CheckResult Evaluate(IReadOnlyDictionary<string, string?> findings)
    {
        string? overlay = findings[StorageDriver.Overlay], fuse = findings[StorageDriver.Fuse];
        if (overlay is null)
            return CheckResult.Ok(Name, $"overlay (kernel overlayfs with userxattr in a user namespace){(fuse is null ? "; fuse-overlayfs works too" : $"; fuse-overlayfs would not: {fuse}")}");
        if (fuse is null)
            return CheckResult.Warn(Name, $"fuse-overlayfs (kernel overlay does not work: {overlay})", "upgrade to Linux 5.11 or later for kernel overlayfs in a user namespace");
        return CheckResult.Warn(Name, $"vfs: every container copies its image (kernel overlay: {overlay}; fuse-overlayfs: {fuse})",
            "apt-get install fuse-overlayfs   # and /dev/fuse mode 0666\nor: upgrade to Linux 5.11 or later (kernel overlayfs in a user namespace)");
    }

    /// <param name="storeDir">the image store (created if missing), or null when there is none to probe in</param>
    public static CheckResult Run(string storeDir)
    {
        Directory.CreateDirectory(storeDir);
        return Evaluate(DriverSelection.Findings(storeDir, DriverSelection.RealProbe, fresh: true));
    }
}
