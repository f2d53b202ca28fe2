using System.Text.Json;
using Rlrun.Images.Oci;
using Rlrun.Images.Store;

namespace Rlrun.Images.Run;

/// <summary>podman's short-link directory: STORE/l/ID -> ../layers/HEX/diff, with ID 26 base-32
/// characters, so each layer costs ~29 bytes of the one-page mount option string instead of ~110
/// (a 100-layer image still mounts). A layer's link name is kept in layers/HEX/link; two runs that
/// race both make a working link, and the one whose name file lands first is used from then on.</summary>
public static class ShortLinks
{
    public const string Dir = "l";
    const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>The lowerdir entry ("l/ID") for a layer, made when missing.</summary>
    public static string For(StorePaths paths, Digest diffId)
    {
        string nameFile = Path.Join(paths.Layer(diffId), "link");
        string linkDir = Path.Join(paths.Root, Dir);
        if (TryRead(nameFile) is { } known && Directory.Exists(Path.Join(linkDir, known)))
            return $"{Dir}/{known}";
        Directory.CreateDirectory(linkDir);
        string id = NewId();
        File.CreateSymbolicLink(Path.Join(linkDir, id), $"../layers/{diffId.Hex}/diff");
        string tmp = $"{nameFile}.{Environment.ProcessId}";
        File.WriteAllText(tmp, id);
        File.Move(tmp, nameFile, overwrite: true);
        return $"{Dir}/{id}";
    }

    /// <summary>Removes the links that lead to no layer (their layer was collected), and those a
    /// race made that neither their layer's name file nor any container's layers.json names. Run
    /// under gc.lock held exclusively: no image run is making or writing down a link meanwhile.</summary>
    /// <returns>the links removed</returns>
    public static List<string> Collect(StorePaths paths)
    {
        string linkDir = Path.Join(paths.Root, Dir);
        var removed = new List<string>();
        if (!Directory.Exists(linkDir)) return removed;
        var named = new HashSet<string>();
        foreach (var layer in Directory.EnumerateDirectories(paths.Layers))
            if (TryRead(Path.Join(layer, "link")) is { } n) named.Add(n);
        foreach (var lower in ContainerLowers(paths)) named.Add(Path.GetFileName(lower));
        foreach (var entry in new DirectoryInfo(linkDir).EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is null) continue; // not ours to judge
            // Directory.Exists follows the link: false when its layer is gone.
            if (Directory.Exists(entry.FullName) && named.Contains(entry.Name)) continue;
            entry.Delete();
            removed.Add(entry.FullName);
        }
        return removed;
    }

    /// <summary>The lowerdir entries of every container's layers.json (a restart mounts them again).</summary>
    static IEnumerable<string> ContainerLowers(StorePaths paths)
    {
        string containers = ContainerReferences.Dir(paths);
        if (!Directory.Exists(containers)) yield break;
        foreach (var dir in Directory.EnumerateDirectories(containers))
        {
            Runtime.Overlay.LayeredRoot? root;
            try { root = Runtime.Overlay.LayeredRootJson.Read(File.ReadAllBytes(Path.Join(dir, Runtime.Overlay.LayeredRoot.FileName))); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException) { continue; } // none: no layered root
            foreach (var l in root?.Lowers ?? []) yield return l;
        }
    }

    static string? TryRead(string path)
    {
        try { return File.ReadAllText(path).Trim() is { Length: 26 } s && s.All(c => Alphabet.Contains(c)) ? s : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    static string NewId()
    {
        Span<byte> bytes = stackalloc byte[26];
        Runtime.Interop.RandomCalls.Fill(bytes); // not RandomNumberGenerator: it loads OpenSSL
        var chars = new char[26];
        for (int i = 0; i < 26; i++) chars[i] = Alphabet[bytes[i] % 32];
        return new string(chars);
    }
}
