using Rlrun.Runtime.Spec;

namespace Rlrun.Images.Run;

/// <summary>The container's user from --user or the image's User: "name", "uid", "name:group",
/// "uid:gid", resolved through the image's /etc/passwd and /etc/group as podman does: a name must be
/// there; a number need not be (its group is then 0, or the passwd entry's); the supplementary
/// groups are those of /etc/group that list the user's name, after the user's own group when a
/// user was given.</summary>
public static class ImageUser
{
    /// <param name="readFile">reads a file of the image (/etc/passwd, /etc/group), null when absent</param>
    public static SpecUser Resolve(string? spec, Func<string, string?> readFile, string source)
    {
        bool given = !string.IsNullOrEmpty(spec);
        if (string.IsNullOrEmpty(spec)) spec = "0";
        var parts = spec.Split(':', 2);
        string userPart = parts[0], groupPart = parts.Length > 1 ? parts[1] : "";
        if (userPart.Length == 0) throw new ArgumentException($"{source}: \"{spec}\": no user before ':'");
        var passwd = Entries(readFile("/etc/passwd"));
        var group = Entries(readFile("/etc/group"));

        string[]? pw = uint.TryParse(userPart, out uint uid)
            ? passwd.FirstOrDefault(e => e.Length > 3 && e[2] == userPart)
            : passwd.FirstOrDefault(e => e.Length > 3 && e[0] == userPart)
              ?? throw new ArgumentException($"{source}: user \"{userPart}\" is not in the image's /etc/passwd");
        if (pw is not null && !uint.TryParse(pw[2], out uid))
            throw new ArgumentException($"image /etc/passwd: user {pw[0]} has no numeric uid");
        uint gid = pw is not null && uint.TryParse(pw[3], out uint pg) ? pg : 0;
        if (groupPart.Length > 0 && !uint.TryParse(groupPart, out gid))
        {
            var g = group.FirstOrDefault(e => e.Length > 2 && e[0] == groupPart)
                ?? throw new ArgumentException($"{source}: group \"{groupPart}\" is not in the image's /etc/group");
            if (!uint.TryParse(g[2], out gid)) throw new ArgumentException($"image /etc/group: group {groupPart} has no numeric gid");
        }
        // A user that was asked for (--user, the image's User) has its group among its supplementary
        // groups too, as podman and docker set them (`id` shows groups=GID).
        var additional = given ? new List<uint> { gid } : [];
        if (pw is not null && groupPart.Length == 0)
            foreach (var g in group.Where(e => e.Length > 3 && e[3].Split(',').Contains(pw[0])))
                if (uint.TryParse(g[2], out uint extra) && extra != gid && !additional.Contains(extra)) additional.Add(extra);
        return new SpecUser { Uid = uid, Gid = gid, AdditionalGids = additional.Count > 0 ? additional : null };
    }

    // A loop, not Where().Select(): see ImageBundle.TopFirst.
    static List<string[]> Entries(string? text)
    {
        var entries = new List<string[]>();
        if (text is null) return entries;
        foreach (var line in text.Split('\n'))
            if (line.Length > 0 && line[0] != '#') entries.Add(line.Split(':'));
        return entries;
    }
}
