using System.Text.RegularExpressions;

namespace Rlrun.Images.Oci;

/// <summary>An image name with its tag: "name[:tag]", the tag "latest" when left out; names as
/// distribution-spec allows them (lowercase path components, an optional host[:port] first).</summary>
public sealed partial record ImageReference(string Name, string Tag)
{
    public override string ToString() => $"{Name}:{Tag}";

    [GeneratedRegex(@"^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();

    public static ImageReference Parse(string text)
    {
        if (text.Contains('@')) throw new ArgumentException($"invalid image name \"{text}\": digests are not accepted here, give NAME[:TAG]");
        int slash = text.LastIndexOf('/');
        int colon = text.LastIndexOf(':');
        string name = text, tag = "latest";
        if (colon > slash) { name = text[..colon]; tag = text[(colon + 1)..]; }
        if (!NamePattern().IsMatch(name) || name.Length > 255) throw new ArgumentException($"invalid image name \"{text}\": lowercase letters, digits and separators (. _ -) in /-separated parts");
        if (!TagPattern().IsMatch(tag)) throw new ArgumentException($"invalid image tag \"{tag}\" in \"{text}\"");
        return new ImageReference(name, tag);
    }

    public static bool TryParse(string text, out ImageReference? reference)
    {
        try { reference = Parse(text); return true; }
        catch (ArgumentException) { reference = null; return false; }
    }
}
