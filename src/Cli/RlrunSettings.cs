using Microsoft.Extensions.Configuration;

namespace Rlrun.Cli;

/// <summary>rlrun's settings, from $XDG_CONFIG_HOME/rlrun/rlrun.json, then RLRUN_* environment
/// variables, then command-line flags: the later wins. Keys (JSON, or env with __ for nesting):
/// root, cgroup_manager, storage, storage_driver, restart:policy, restart:initial_delay, restart:max_delay,
/// restart:reset_after, logs:max_size, logs:max_files.</summary>
public sealed class RlrunSettings(Func<string, string?> config)
{
    public static string ConfigFile()
    {
        string home = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } x ? x
            : Path.Join(Environment.GetEnvironmentVariable("HOME") ?? "/nonexistent", ".config");
        return Path.Join(home, "rlrun", "rlrun.json");
    }

    /// <param name="flags">flag values by setting key; null values are left out</param>
    public static RlrunSettings Load(IReadOnlyDictionary<string, string?> flags)
    {
        string file = ConfigFile();
        // Only a file that exists is read: podman calls us many times, most with no config at all.
        bool hasFile = File.Exists(file);
        // Nor is a configuration built for the flags alone: the runc shim calls us several times per
        // container, and building one cost as much as what kill does.
        if (!hasFile && !AnyRlrunVariable())
            return new RlrunSettings(key => flags.TryGetValue(key, out var v) ? v : null);
        var builder = new ConfigurationBuilder();
        if (hasFile) builder.AddJsonFile(file, optional: true, reloadOnChange: false);
        builder.AddEnvironmentVariables("RLRUN_");
        builder.AddInMemoryCollection(flags.Where(f => f.Value is not null));
        try
        {
            var config = builder.Build();
            return new RlrunSettings(key => config[key]);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or IOException)
        {
            throw new UsageException(Describe(file, e));
        }
    }

    // The JSON provider wraps the parser's error twice ("Failed to load configuration from file",
    // then "Could not parse the JSON file."): the innermost one says what and where.
    static string Describe(string file, Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is not System.Text.Json.JsonException json) continue;
            string what = json.Message;
            foreach (var tail in new[] { " Path: ", " LineNumber: " })
                if (what.IndexOf(tail, StringComparison.Ordinal) is int cut and > 0) what = what[..cut];
            return json.LineNumber is long line
                ? $"{file}:{line + 1}: not valid JSON: {what} (byte {json.BytePositionInLine + 1} of the line)"
                : $"{file}: not valid JSON: {what}";
        }
        return $"{file}: {e.InnerException?.Message ?? e.Message}";
    }

    // As AddEnvironmentVariables("RLRUN_") matches them: whatever the case.
    static bool AnyRlrunVariable()
    {
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            if (e.Key is string k && k.StartsWith("RLRUN_", StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    public string? Root => config("root");
    public string CgroupManager => config("cgroup_manager") ?? "auto";
    /// <summary>The image store directory (--storage wins); null: $XDG_DATA_HOME/rlrun/storage.</summary>
    public string? Storage => config("storage");
    /// <summary>How image containers get their root: overlay, fuse-overlayfs, vfs or auto (--storage-driver wins).</summary>
    public string StorageDriver => config("storage_driver") ?? "auto";
    public string RestartPolicy => config("restart:policy") ?? "no";
    public TimeSpan RestartInitialDelay => Duration("restart:initial_delay", TimeSpan.FromMilliseconds(100));
    public TimeSpan RestartMaxDelay => Duration("restart:max_delay", TimeSpan.FromSeconds(30));
    public TimeSpan RestartResetAfter => Duration("restart:reset_after", TimeSpan.FromSeconds(10));
    public long LogMaxSize => Size("logs:max_size", 10 << 20);
    public int LogMaxFiles => int.TryParse(config("logs:max_files"), out int n) && n > 0 ? n : 3;

    TimeSpan Duration(string key, TimeSpan fallback) =>
        config(key) is { } v ? Commands.EventsCommand.Duration(v, $"{key.Replace(':', '.')} (rlrun.json, or RLRUN_{key.Replace(":", "__").ToUpperInvariant()})", allowZero: true) : fallback;

    long Size(string key, long fallback) =>
        config(key) is { } v ? Commands.UpdateCommand.Bytes(v, key) : fallback;
}
