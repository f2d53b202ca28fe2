using System.Buffers.Binary;

namespace Rlrun.Runtime.Host;

/// <summary>A file's capabilities: the security.capability xattr setcap writes (struct
/// vfs_cap_data: magic_etc, then permitted/inheritable pairs of 32-bit little-endian words).</summary>
public readonly record struct FileCapabilities(ulong Permitted, bool Effective)
{
    public const string XattrName = "security.capability";
    public const int CAP_SETGID = 6, CAP_SETUID = 7;

    const uint RevisionMask = 0xFF000000, Revision1 = 0x01000000, Revision2 = 0x02000000, Revision3 = 0x03000000, FlagEffective = 1;

    public bool Has(int capability) => (Permitted & (1UL << capability)) != 0;

    /// <summary>The capabilities in an xattr value; null when it is not one the kernel would read.</summary>
    public static FileCapabilities? Parse(ReadOnlySpan<byte> xattr)
    {
        if (xattr.Length < 4) return null;
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(xattr);
        int words = (magic & RevisionMask) switch
        {
            Revision1 => 1,
            Revision2 or Revision3 => 2,
            _ => 0,
        };
        if (words == 0 || xattr.Length < 4 + words * 8) return null;
        ulong permitted = BinaryPrimitives.ReadUInt32LittleEndian(xattr[4..]);
        if (words == 2) permitted |= (ulong)BinaryPrimitives.ReadUInt32LittleEndian(xattr[12..]) << 32;
        return new FileCapabilities(permitted, (magic & FlagEffective) != 0);
    }
}
