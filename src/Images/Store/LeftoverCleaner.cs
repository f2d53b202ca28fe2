using Rlrun.Images.Oci;
using Rlrun.Images.Unpack;

namespace Rlrun.Images.Store;

/// <summary>Removes what a killed process left: temp blobs, half-unpacked layers, extracted archives,
/// temp index files. Each is named after the lock its writer held; a lock we can take means its
/// writer is gone (the kernel drops an flock with its holder), so the leftover is safe to remove.</summary>
public sealed class LeftoverCleaner(StorePaths paths, ILayerUnpacker unpacker, Action<string>? debug)
{
    public int Clean()
    {
        int removed = 0;
        foreach (var tmp in Temps(paths.Blobs))
            if (HexOf(tmp) is { } hex)
                removed += RemoveIfAbandoned(paths.BlobLock(new Digest(hex)), tmp, File.Delete);
        foreach (var tmp in Temps(paths.Layers))
            if (HexOf(tmp) is { } hex)
                removed += RemoveIfAbandoned(paths.LayerLock(new Digest(hex)), tmp, unpacker.Remove);
        if (Directory.Exists(paths.Tmp))
            foreach (var dir in Directory.EnumerateDirectories(paths.Tmp, "import-*"))
                removed += RemoveIfAbandoned(dir + ".lock", dir, d => { unpacker.Remove(d); File.Delete(d + ".lock"); });
        foreach (var tmp in Temps(paths.Root))
            removed += RemoveIfAbandoned(paths.StoreLock, tmp, File.Delete);
        return removed;
    }

    static IEnumerable<string> Temps(string dir) =>
        Directory.Exists(dir) ? Directory.EnumerateFileSystemEntries(dir, AtomicFile.TempPrefix + "*").ToList() : [];

    /// <summary>".tmp-HEX-RANDOM" -> HEX.</summary>
    static string? HexOf(string path)
    {
        string name = Path.GetFileName(path)[AtomicFile.TempPrefix.Length..];
        return name.Length > 64 && name[64] == '-' ? name[..64] : null;
    }

    int RemoveIfAbandoned(string lockPath, string leftover, Action<string> remove)
    {
        using var held = FileLock.TryExclusive(lockPath);
        if (held is null) return 0; // its writer is still at work
        if (!Path.Exists(leftover)) return 0;
        debug?.Invoke($"removing leftover of an interrupted command: {leftover}");
        remove(leftover);
        return 1;
    }
}
