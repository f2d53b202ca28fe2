namespace Rlrun.Runtime.Cgroups;

/// <summary>Facts about the host's cgroup v2 hierarchy, read from /proc: where cgroup2 is mounted
/// (on hybrid hosts /sys/fs/cgroup/unified), and which cgroup a process is in.</summary>
public static class CgroupV2
{
    /// <summary>The cgroup2 mount point, or null when there is none (cgroup v1 only).</summary>
    public static string? MountPoint(string mountinfo = "/proc/self/mountinfo")
    {
        try { return ParseMountPoint(File.ReadAllText(mountinfo)); }
        catch (IOException) { return null; }
    }

    public static string? ParseMountPoint(string mountinfo)
    {
        foreach (var line in mountinfo.Split('\n'))
        {
            // ... mount-point options - fstype source super-options
            int dash = line.IndexOf(" - ", StringComparison.Ordinal);
            if (dash < 0) continue;
            var after = line[(dash + 3)..].Split(' ');
            var before = line[..dash].Split(' ');
            if (after.Length > 0 && after[0] == "cgroup2" && before.Length > 4) return before[4].Replace("\\040", " ");
        }
        return null;
    }

    /// <summary>The v2 cgroup of a process ("0::/path" in /proc/PID/cgroup).</summary>
    public static string? OwnPath(string procCgroup = "/proc/self/cgroup")
    {
        try { return ParseOwnPath(File.ReadAllText(procCgroup)); }
        catch (IOException) { return null; }
    }

    public static string? ParseOwnPath(string content) =>
        content.Split('\n').FirstOrDefault(l => l.StartsWith("0::"))?[3..].Trim();

    public static string Read(string dir, string file) => File.ReadAllText(Path.Join(dir, file)).Trim();

    public static void Write(string dir, string file, string value)
    {
        try { File.WriteAllText(Path.Join(dir, file), value); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"write {value} to {Path.Join(dir, file)}: {e.Message}");
        }
    }

    public static IReadOnlySet<string> Controllers(string dir, string file = "cgroup.controllers")
    {
        try { return Read(dir, file).Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(); }
        catch (IOException) { return new HashSet<string>(); }
    }

    public static List<int> Procs(string dir)
    {
        try { return Read(dir, "cgroup.procs").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList(); }
        catch (Exception e) when (e is IOException or DirectoryNotFoundException) { return []; }
    }
}
