namespace Rlrun.Runtime.Overlay;

/// <summary>The probe's findings, kept per kernel boot (a new kernel or module may change them):
/// a small file "BOOT_ID\nDRIVER\tREASON..." in the store, so only the first image container
/// after a boot pays the ~50 ms of probing. A file from another boot, or unreadable, is ignored.</summary>
public static class DriverProbeCache
{
    public const string FileName = "storage-driver.probe";
    const string BootIdFile = "/proc/sys/kernel/random/boot_id";

    public static string BootId() => File.Exists(BootIdFile) ? File.ReadAllText(BootIdFile).Trim() : "unknown";

    /// <summary>Driver -> why it does not work (null: works); null when nothing valid is cached.</summary>
    public static Dictionary<string, string?>? Read(string dir, string bootId)
    {
        try
        {
            var lines = File.ReadAllLines(Path.Join(dir, FileName));
            if (lines.Length < 1 || lines[0] != bootId) return null;
            var result = new Dictionary<string, string?>();
            foreach (var line in lines.Skip(1))
            {
                var parts = line.Split('\t', 2);
                if (parts.Length == 2) result[parts[0]] = parts[1].Length == 0 ? null : parts[1];
            }
            return result.ContainsKey(StorageDriver.Overlay) && result.ContainsKey(StorageDriver.Fuse) ? result : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public static void Write(string dir, string bootId, IReadOnlyDictionary<string, string?> findings)
    {
        try
        {
            string path = Path.Join(dir, FileName), tmp = $"{path}.{Environment.ProcessId}";
            File.WriteAllLines(tmp, [bootId, .. findings.Select(f => $"{f.Key}\t{f.Value?.Replace('\n', ' ') ?? ""}")]);
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // probing again next time is all it costs
    }
}
