using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Logs;

/// <summary>Where the daemon keeps container logs: $XDG_STATE_HOME/rlrun/logs (default
/// ~/.local/state/rlrun/logs), one ID.log per container and its rotated ID.log.1 (newest) .. ID.log.N.
/// Logs outlive the state root ($XDG_RUNTIME_DIR is emptied at logout), hence the state home.</summary>
public static class LogPaths
{
    public static string Dir()
    {
        // The XDG spec says a relative XDG_STATE_HOME is invalid and to be ignored.
        string? state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state) || !Path.IsPathRooted(state))
            state = Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Join(state, "rlrun", "logs");
    }

    /// <summary>DIR/ID.log (the id is validated: it names a file).</summary>
    public static string For(string id, string? dir = null)
    {
        ContainerId.Validate(id);
        return Path.Join(dir ?? Dir(), id + ".log");
    }

    /// <summary>The k-th rotated file of a log (1 is the newest).</summary>
    public static string Rotated(string path, int k) => $"{path}.{k}";

    /// <summary>The rotated files that exist, oldest first (highest number first).</summary>
    public static List<(int Index, string Path)> RotatedFiles(string path)
    {
        var found = new List<(int, string)>();
        string? dir = Path.GetDirectoryName(path);
        if (dir is null || !Directory.Exists(dir)) return found;
        string prefix = Path.GetFileName(path) + ".";
        // Filtered by hand: .NET's "ID.log.*" also matches ID.log itself (DOS wildcard rules).
        foreach (var file in Directory.EnumerateFiles(dir))
        {
            string name = Path.GetFileName(file);
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            string suffix = name[prefix.Length..];
            if (suffix.Length > 0 && suffix.All(char.IsAsciiDigit) && int.TryParse(suffix, out int k) && k > 0) found.Add((k, file));
        }
        found.Sort((a, b) => b.Item1.CompareTo(a.Item1));
        return found;
    }

    /// <summary>Whether the container has any log at all (current or rotated).</summary>
    public static bool Exists(string path) => File.Exists(path) || RotatedFiles(path).Count > 0;

    /// <summary>Deletes ID.log and every ID.log.N (at `delete` of the container).</summary>
    public static void Remove(string id, string? dir = null)
    {
        string path = For(id, dir);
        if (!Directory.Exists(Path.GetDirectoryName(path))) return; // no log was ever written
        foreach (var (_, file) in RotatedFiles(path)) File.Delete(file);
        File.Delete(path);
    }
}
