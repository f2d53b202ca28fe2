using Rlrun.Runtime.Interop;

namespace Rlrun.Images.Unpack;

/// <summary>An entry's path inside the layer, checked: no ".." and no symlink on the way, so an entry
/// can neither name a place outside the layer directory nor reach one through a link made earlier.</summary>
public static class LayerPath
{
    /// <summary>The entry's name as components ("./a/b/" -> ["a", "b"]; a leading "/" is dropped as tar does).</summary>
    public static string[] Components(string entryName)
    {
        var parts = entryName.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        if (parts.Any(p => p == ".."))
            throw new LayerEntryException(entryName, "path escapes the layer (\"..\")");
        if (entryName.Contains('\0')) throw new LayerEntryException(entryName, "NUL in the path");
        return parts;
    }

    /// <summary>The host path of the entry under root, after checking that no parent on the way is a
    /// symlink (extraction never follows one) or something other than a directory.</summary>
    public static string Resolve(string root, string entryName, string[] parts)
    {
        string current = root;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            current = Path.Join(current, parts[i]);
            if (FileCalls.lstat(current, out var st) < 0) continue; // made on demand
            uint type = st.st_mode & FileCalls.S_IFMT;
            if (type == FileCalls.S_IFLNK)
                throw new LayerEntryException(entryName, $"its parent \"{string.Join('/', parts[..(i + 1)])}\" is a symlink: extraction does not follow links (it could leave the layer)");
            if (type != FileCalls.S_IFDIR)
                throw new LayerEntryException(entryName, $"its parent \"{string.Join('/', parts[..(i + 1)])}\" is not a directory");
        }
        return parts.Length == 0 ? root : Path.Join(root, string.Join('/', parts));
    }
}

/// <summary>A layer entry rlrun refuses; the message names the entry.</summary>
public sealed class LayerEntryException(string entry, string why) : Exception($"layer entry \"{entry}\": {why}")
{
    public string Entry { get; } = entry;
}
