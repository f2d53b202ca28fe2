namespace Rlrun.Runtime.Rootfs;

/// <summary>Mounts that cover paths of the /proc rlrun sees (a container's maskedPaths and
/// readonlyPaths: /dev/null on /proc/kcore, a read-only /proc/sys...). From inside a user namespace
/// the kernel mounts a new procfs only where the existing one is fully visible (mount_too_revealing):
/// a nested container's /proc fails with EPERM while such mounts exist. Mounts on empty procfs
/// directories (binfmt_misc) hide nothing and are not listed.</summary>
public static class ProcOvermounts
{
    const string MountInfo = "/proc/self/mountinfo";

    static readonly HashSet<string> EmptyDirMounts = ["/proc/sys/fs/binfmt_misc"];

    /// <summary>Mount points strictly under /proc in a mountinfo text, in its order.</summary>
    public static List<string> Parse(string mountinfo)
    {
        var found = new List<string>();
        foreach (var line in mountinfo.Split('\n'))
        {
            var f = line.Split(' ');
            if (f.Length < 5) continue;
            string point = Unescape(f[4]);
            if (point.StartsWith("/proc/") && !EmptyDirMounts.Contains(point) && !found.Contains(point)) found.Add(point);
        }
        return found;
    }

    /// <summary>Those of this process's mount namespace; empty when mountinfo cannot be read.</summary>
    public static List<string> Read()
    {
        try { return Parse(File.ReadAllText(MountInfo)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    /// <summary>Why a new procfs was refused, with the fix; null when nothing covers /proc.</summary>
    public static string? Explain(IReadOnlyList<string> covered)
    {
        if (covered.Count == 0) return null;
        const int shown = 5;
        string list = string.Join(", ", covered.Take(shown)) + (covered.Count > shown ? $" and {covered.Count - shown} more" : "");
        return $"the kernel refuses a new /proc in a nested user namespace while paths of the /proc it can see are covered by mounts ({list}: " +
            "the enclosing container's maskedPaths/readonlyPaths); run the outer container without /proc entries in linux.maskedPaths and linux.readonlyPaths";
    }

    // mountinfo writes space, tab, newline and backslash as \ooo.
    static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 3 < s.Length && s.Substring(i + 1, 3).All(c => c is >= '0' and <= '7'))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else sb.Append(s[i]);
        }
        return sb.ToString();
    }
}
