namespace Rlrun.Images.Oci;

/// <summary>The platform to take from an index: OS/ARCH[/VARIANT], as podman's --platform spells it.</summary>
public sealed record PlatformSpec(string Os, string Architecture, string? Variant = null)
{
    public static readonly PlatformSpec Default = new(ManifestReader.WantedOs, ManifestReader.WantedArchitecture);

    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";

    public bool Matches(Platform p) =>
        p.Os == Os && p.Architecture == Architecture && (Variant is null || p.Variant == Variant);

    public static PlatformSpec Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0))
            throw new ArgumentException($"invalid --platform \"{text}\": OS/ARCH[/VARIANT] expected, e.g. linux/amd64");
        return new PlatformSpec(parts[0], parts[1], parts.Length == 3 ? parts[2] : null);
    }
}
