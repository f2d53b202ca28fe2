using Rlrun.Runtime.IdMapping;

namespace Rlrun.Runtime.Host;

/// <summary>The user's ranges in /etc/subuid or /etc/subgid (by name and by uid, in file order),
/// and the end of the highest range anyone has there (to propose a range that overlaps none).
/// Error: the file could not be read (null when it was read, or does not exist).</summary>
public sealed record SubordinateIdFacts(string File, CheckUser User, IReadOnlyList<SubordinateRange> Ranges,
    ulong HighestEnd, bool FileExists, string? Error = null)
{
    public static SubordinateIdFacts Gather(string file, CheckUser user)
    {
        string content;
        try { content = System.IO.File.ReadAllText(file); }
        catch (FileNotFoundException) { return new(file, user, [], 0, false); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return new(file, user, [], 0, true, e.Message); }
        return new(file, user, SubordinateIds.Parse(content, user.Name, user.Uid), HighestEndIn(content), true);
    }

    /// <summary>The largest start+count of any line in the file.</summary>
    public static ulong HighestEndIn(string content)
    {
        ulong highest = 0;
        foreach (var raw in content.Split('\n'))
        {
            var f = raw.Trim().Split(':');
            if (f.Length == 3 && uint.TryParse(f[1], out uint start) && uint.TryParse(f[2], out uint count))
                highest = Math.Max(highest, (ulong)start + count);
        }
        return highest;
    }
}

/// <summary>Whether the container can get more IDs than the user's own: rlrun maps container 0 to
/// the user and 1..N to the first range (IdMapPlanner), so that range should hold 65536 IDs, as
/// images expect (files owned by IDs up to 65535). Without one, rlrun maps only the user.</summary>
public static class SubordinateIdCheck
{
    public const uint WantedCount = 65536;
    const ulong ConventionalStart = 100000;

    public static string NameFor(string file) => Path.GetFileName(file); // "subuid", "subgid"

    public static CheckResult Evaluate(SubordinateIdFacts f)
    {
        string name = NameFor(f.File);
        string who = f.User.Name is { } n ? $"{n} (uid {f.User.Uid})" : $"uid {f.User.Uid}";
        string kind = name == "subgid" ? "gid" : "uid";
        if (f.User.IsRoot)
            return CheckResult.Ok(name, f.Ranges.Count > 0 ? $"{Ranges(f.Ranges)}; not needed as root" : "not needed as root (root maps IDs itself)");
        if (f.Error is not null)
            return CheckResult.Warn(name, $"cannot read {f.File}: {f.Error}: rlrun maps only your own {kind}", $"chmod 0644 {f.File}");
        if (f.Ranges.Count == 0)
        {
            string where = f.FileExists ? $"no range for {who} in {f.File}" : $"no {f.File}";
            return CheckResult.Warn(name, $"{where}: rlrun maps only your own {kind} into the container", Fix(f, name));
        }
        var first = f.Ranges[0];
        string seen = Ranges(f.Ranges) + (f.Ranges.Count > 1 ? " (rlrun maps the first)" : "");
        if (first.Count < WantedCount)
            return CheckResult.Warn(name, $"{seen}: {first.Count} IDs, fewer than {WantedCount}: files an image owns by higher IDs cannot be mapped", Fix(f, name));
        return CheckResult.Ok(name, seen);
    }

    static string Ranges(IEnumerable<SubordinateRange> ranges) => string.Join(", ", ranges.Select(r => $"{r.Start}:{r.Count}"));

    /// <summary>usermod for a name; a line for the file for a uid without one. The new range starts
    /// at 100000 or after the highest one in the file, so it overlaps no one's; a too small first
    /// range goes (rlrun maps the first one only).</summary>
    static string Fix(SubordinateIdFacts f, string name)
    {
        ulong start = Math.Max(ConventionalStart, f.HighestEnd);
        ulong end = start + WantedCount - 1;
        SubordinateRange? small = f.Ranges.Count > 0 ? f.Ranges[0] : null;
        if (f.User.Name is { } user)
        {
            string del = small is { } s ? $"--del-{name}s {s.Start}-{(ulong)s.Start + s.Count - 1} " : "";
            return $"usermod {del}--add-{name}s {start}-{end} {user}";
        }
        string line = $"{f.User.Uid}:{start}:{WantedCount}";
        return small is { } r
            ? $"sed -i 's/^{f.User.Uid}:{r.Start}:{r.Count}$/{line}/' {f.File}"
            : $"echo {line} >> {f.File}";
    }
}
