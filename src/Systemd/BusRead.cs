using Tmds.DBus.Protocol;

namespace Rlrun.Systemd;

/// <summary>Reading values of systemd's replies (property values are variants) into <see cref="BusValue"/>.</summary>
internal static class BusRead
{
    /// <summary>A variant: its signature, then the value.</summary>
    public static BusValue Variant(ref Reader r) => Value(ref r, r.ReadSignatureAsString());

    /// <summary>
    /// A value of signature sig: a basic type, an array of one ("as", "ao", "ay", "au", "aq",
    /// "at"), or a variant. Another type is answered as Unsupported (null value) and NOT read:
    /// only use it for the last value of a message.
    /// </summary>
    public static BusValue Value(ref Reader r, string sig) => sig switch
    {
        "b" => BusValue.Of(r.ReadBool()),
        "y" => new BusValue("y", (ulong)r.ReadByte()),
        "q" => new BusValue("q", (ulong)r.ReadUInt16()),
        "u" => new BusValue("u", (ulong)r.ReadUInt32()),
        "t" => BusValue.Of(r.ReadUInt64()),
        "n" => new BusValue("n", (long)r.ReadInt16()),
        "i" => new BusValue("i", (long)r.ReadInt32()),
        "x" => new BusValue("x", r.ReadInt64()),
        "d" => new BusValue("d", r.ReadDouble()),
        "s" => BusValue.Of(r.ReadString()),
        "o" => new BusValue("o", r.ReadObjectPathAsString()),
        "g" => new BusValue("g", r.ReadSignatureAsString()),
        "v" => Variant(ref r),
        "as" => new BusValue("as", r.ReadArrayOfString()),
        "ao" => new BusValue("ao", r.ReadArrayOfObjectPath().Select(p => p.ToString()).ToArray()),
        "ay" => new BusValue("ay", r.ReadArrayOfByte().Select(b => (ulong)b).ToArray()),
        "aq" => new BusValue("aq", r.ReadArrayOfUInt16().Select(v => (ulong)v).ToArray()),
        "au" => new BusValue("au", r.ReadArrayOfUInt32().Select(v => (ulong)v).ToArray()),
        "at" => new BusValue("at", r.ReadArrayOfUInt64()),
        _ => new BusValue(sig, (object?)null),
    };
}
