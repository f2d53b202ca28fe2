using System.Security.Cryptography;
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

    static string? TryRead(string path)
    {
        try { return File.ReadAllText(path).Trim() is { Length: 26 } s && s.All(c => Alphabet.Contains(c)) ? s : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    static string NewId()
    {
        Span<byte> bytes = stackalloc byte[26];
        RandomNumberGenerator.Fill(bytes);
        var chars = new char[26];
        for (int i = 0; i < 26; i++) chars[i] = Alphabet[bytes[i] % 32];
        return new string(chars);
    }
}
