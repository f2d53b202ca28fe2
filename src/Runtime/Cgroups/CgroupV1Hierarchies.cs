namespace Rlrun.Runtime.Cgroups;

/// <summary>One cgroup v1 hierarchy as this process sees it: where the host mounts it, the root of
/// that mount, its controllers as /proc/self/cgroup names them ("cpu,cpuacct", "name=systemd"),
/// and the cgroup this process is in there.</summary>
public sealed record CgroupV1Hierarchy(string MountPoint, string Root, string Controllers, string CgroupPath)
{
    /// <summary>The directory of this process's cgroup under MountPoint; the mount point itself when
    /// the cgroup lies outside what the mount shows (a mount of a sub-tree, another cgroup namespace).</summary>
    public string OwnCgroupDir
    {
        get
        {
            string root = Root.TrimEnd('/'), path = CgroupPath.TrimEnd('/');
            if (path == root || path.Contains("/..") || !path.StartsWith(root + "/", StringComparison.Ordinal)) return MountPoint;
            return Path.Join(MountPoint, path[root.Length..]);
        }
    }
}

/// <summary>The cgroup v1 hierarchies mounted on a legacy or hybrid host (none on a cgroup v2 only
/// host), read from /proc/self/mountinfo and /proc/self/cgroup: what a container's "cgroup" mount
/// shows, as runc shows it.</summary>
public static class CgroupV1Hierarchies
{
    /// <summary>This process's hierarchies, leaving out mounts under <paramref name="exceptUnder"/>
    /// (the container's own rootfs).</summary>
    public static List<CgroupV1Hierarchy> OfThisProcess(string exceptUnder)
    {
        try { return Parse(File.ReadAllText("/proc/self/mountinfo"), File.ReadAllText("/proc/self/cgroup"), exceptUnder); }
        catch (IOException) { return []; }
    }

    public static List<CgroupV1Hierarchy> Parse(string mountinfo, string procCgroup, string? exceptUnder = null)
    {
        // "ID:controllers:path"; hierarchy 0 is cgroup v2.
        var memberships = new List<(string Controllers, string Path)>();
        foreach (var line in procCgroup.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(':', 3);
            if (parts.Length == 3 && parts[0] != "0" && parts[1].Length > 0) memberships.Add((parts[1], parts[2].Trim()));
        }
        string? under = exceptUnder?.TrimEnd('/');
        var found = new List<CgroupV1Hierarchy>();
        foreach (var line in mountinfo.Split('\n'))
        {
            // ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS
            int dash = line.IndexOf(" - ", StringComparison.Ordinal);
            if (dash < 0) continue;
            var before = line[..dash].Split(' ');
            var after = line[(dash + 3)..].Split(' ');
            if (before.Length < 5 || after.Length < 3 || after[0] != "cgroup") continue;
            string mountPoint = Unescape(before[4]);
            if (under is { Length: > 0 } && (mountPoint == under || mountPoint.StartsWith(under + "/", StringComparison.Ordinal))) continue;
            var options = after[2].Split(',').ToHashSet(StringComparer.Ordinal);
            foreach (var (controllers, path) in memberships)
            {
                if (!controllers.Split(',').All(options.Contains)) continue;
                // The first mount of a hierarchy is the host's; later ones are copies (an rbind of /sys).
                if (!found.Any(h => h.Controllers == controllers))
                    found.Add(new CgroupV1Hierarchy(mountPoint, Unescape(before[3]), controllers, path));
                break;
            }
        }
        return found;
    }

    static string Unescape(string field) =>
        field.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\012", "\n").Replace("\\134", "\\");
}
