namespace Rlrun.Runtime.Overlay;

/// <summary>The driver an image container gets. An explicit choice (--storage-driver, rlrun.json)
/// is taken as is: its mount says what is wrong. "auto" takes the first that the probe (cached per
/// boot) shows working, and says once when only the copy is left.</summary>
public static class DriverSelection
{
    /// <param name="probeDir">a directory on the store's file system (what overlay sits on)</param>
    /// <param name="probe">driver -> why it does not work, null when it does</param>
    public static string Resolve(string requested, string probeDir, Func<string, string, string?> probe, Action<string>? warnOnce)
    {
        if (requested != StorageDriver.Auto) return requested;
        var findings = Findings(probeDir, probe);
        foreach (var d in new[] { StorageDriver.Overlay, StorageDriver.Fuse })
            if (findings[d] is null) return d;
        warnOnce?.Invoke($"storage driver vfs: each container gets a copy of its image (slow, uses disk): kernel overlay: {findings[StorageDriver.Overlay]}; fuse-overlayfs: {findings[StorageDriver.Fuse]}");
        return StorageDriver.Vfs;
    }

    public static Dictionary<string, string?> Findings(string probeDir, Func<string, string, string?> probe, bool fresh = false)
    {
        string boot = DriverProbeCache.BootId();
        if (!fresh && DriverProbeCache.Read(probeDir, boot) is { } cached) return cached;
        var findings = new Dictionary<string, string?>
        {
            [StorageDriver.Overlay] = probe(StorageDriver.Overlay, probeDir),
            [StorageDriver.Fuse] = probe(StorageDriver.Fuse, probeDir),
        };
        DriverProbeCache.Write(probeDir, boot, findings);
        return findings;
    }

    public static string? RealProbe(string driver, string dir) =>
        driver == StorageDriver.Overlay ? DriverProbe.Kernel(dir) : DriverProbe.Fuse(dir);
}
