using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Rlrun.Images.Oci;

/// <summary>A content digest, "sha256:" and 64 lowercase hex digits (the only algorithm rlrun stores).</summary>
public readonly partial record struct Digest(string Hex)
{
    public override string ToString() => "sha256:" + Hex;

    [GeneratedRegex("^sha256:([a-f0-9]{64})$")]
    private static partial Regex Sha256();

    /// <param name="what">names the field or file, for the error</param>
    public static Digest Parse(string? text, string what)
    {
        if (text is null) throw new ImageFormatException($"{what}: no digest");
        var m = Sha256().Match(text);
        if (!m.Success)
            throw new ImageFormatException(text.Contains(':') && !text.StartsWith("sha256:")
                ? $"{what}: unsupported digest algorithm in \"{text}\" (sha256 only)"
                : $"{what}: invalid digest \"{text}\"");
        return new Digest(m.Groups[1].Value);
    }

    public static bool TryParse(string? text, out Digest digest)
    {
        digest = default;
        if (text is null) return false;
        var m = Sha256().Match(text);
        if (!m.Success) return false;
        digest = new Digest(m.Groups[1].Value);
        return true;
    }

    public static Digest Of(ReadOnlySpan<byte> data) => new(Convert.ToHexStringLower(SHA256.HashData(data)));

    public static Digest FromHash(IncrementalHash hash) => new(Convert.ToHexStringLower(hash.GetHashAndReset()));

    public string Short => Hex[..12];
}
