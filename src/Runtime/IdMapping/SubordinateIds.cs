namespace Rlrun.Runtime.IdMapping;

/// <summary>Reads /etc/subuid and /etc/subgid: "name-or-id:start:count" lines.</summary>
public static class SubordinateIds
{
    public static List<SubordinateRange> Parse(string content, string? userName, uint id)
    {
        var ranges = new List<SubordinateRange>();
        string idText = id.ToString();
        foreach (var raw in content.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var f = line.Split(':');
            if (f.Length != 3) continue;
            if (f[0] != idText && f[0] != userName) continue;
            if (!uint.TryParse(f[1], out uint start) || !uint.TryParse(f[2], out uint count) || count == 0) continue;
            ranges.Add(new SubordinateRange(start, count));
        }
        return ranges;
    }

    public static List<SubordinateRange> Read(string path, string? userName, uint id)
    {
        try { return Parse(File.ReadAllText(path), userName, id); }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }
}
