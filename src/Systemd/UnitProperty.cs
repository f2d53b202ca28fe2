using System.Globalization;
using Tmds.DBus.Protocol;

namespace Rlrun.Systemd;

/// <summary>
/// One unit property as StartTransientUnit takes it: a name, a D-Bus signature and a value of that
/// signature (marshalled as an (sv) of the a(sv) argument). systemd checks the signature exactly:
/// MemoryMax must be 't', a 'u' or 'i' there is refused ("Unexpected message contents").
/// Build them with the factories here or the well-known ones in <see cref="UnitProperties"/>.
/// </summary>
public abstract record UnitProperty(string Name)
{
    /// <summary>The D-Bus signature of the value: b, t, u, i, x, d, s, as, au, ay.</summary>
    public abstract string Signature { get; }

    /// <summary>Writes the value (the inside of the property's variant).</summary>
    internal abstract void WriteValue(ref MessageWriter w);

    /// <summary>The value as text (for logs and warnings).</summary>
    public abstract string ValueText { get; }

    public sealed override string ToString() => $"{Name}={ValueText} ({Signature})";

    public static UnitProperty Bool(string name, bool value) => new BoolProperty(name, value);
    public static UnitProperty UInt64(string name, ulong value) => new UInt64Property(name, value);
    public static UnitProperty UInt32(string name, uint value) => new UInt32Property(name, value);
    public static UnitProperty Int32(string name, int value) => new Int32Property(name, value);
    public static UnitProperty Int64(string name, long value) => new Int64Property(name, value);
    public static UnitProperty Double(string name, double value) => new DoubleProperty(name, value);
    public static UnitProperty String(string name, string value) => new StringProperty(name, value);
    public static UnitProperty Strings(string name, IEnumerable<string> values) => new StringArrayProperty(name, values.ToArray());
    public static UnitProperty UInt32s(string name, IEnumerable<uint> values) => new UInt32ArrayProperty(name, values.ToArray());
    public static UnitProperty Bytes(string name, IEnumerable<byte> values) => new ByteArrayProperty(name, values.ToArray());
}

public sealed record BoolProperty(string Name, bool Value) : UnitProperty(Name)
{
    public override string Signature => "b";
    public override string ValueText => Value ? "true" : "false";
    internal override void WriteValue(ref MessageWriter w) => w.WriteBool(Value);
}

public sealed record UInt64Property(string Name, ulong Value) : UnitProperty(Name)
{
    public override string Signature => "t";
    public override string ValueText => Value == ulong.MaxValue ? "infinity" : Value.ToString(CultureInfo.InvariantCulture);
    internal override void WriteValue(ref MessageWriter w) => w.WriteUInt64(Value);
}

public sealed record UInt32Property(string Name, uint Value) : UnitProperty(Name)
{
    public override string Signature => "u";
    public override string ValueText => Value.ToString(CultureInfo.InvariantCulture);
    internal override void WriteValue(ref MessageWriter w) => w.WriteUInt32(Value);
}

public sealed record Int32Property(string Name, int Value) : UnitProperty(Name)
{
    public override string Signature => "i";
    public override string ValueText => Value.ToString(CultureInfo.InvariantCulture);
    internal override void WriteValue(ref MessageWriter w) => w.WriteInt32(Value);
}

public sealed record Int64Property(string Name, long Value) : UnitProperty(Name)
{
    public override string Signature => "x";
    public override string ValueText => Value.ToString(CultureInfo.InvariantCulture);
    internal override void WriteValue(ref MessageWriter w) => w.WriteInt64(Value);
}

public sealed record DoubleProperty(string Name, double Value) : UnitProperty(Name)
{
    public override string Signature => "d";
    public override string ValueText => Value.ToString(CultureInfo.InvariantCulture);
    internal override void WriteValue(ref MessageWriter w) => w.WriteDouble(Value);
}

public sealed record StringProperty(string Name, string Value) : UnitProperty(Name)
{
    public override string Signature => "s";
    public override string ValueText => Value;
    internal override void WriteValue(ref MessageWriter w) => BusWrite.String(ref w, Value);
}

public sealed record StringArrayProperty(string Name, IReadOnlyList<string> Values) : UnitProperty(Name)
{
    public override string Signature => "as";
    public override string ValueText => "[" + string.Join(", ", Values) + "]";
    internal override void WriteValue(ref MessageWriter w)
    {
        foreach (var v in Values) BusWrite.CheckString(v);
        w.WriteArray(Values.ToArray());
    }
}

public sealed record UInt32ArrayProperty(string Name, IReadOnlyList<uint> Values) : UnitProperty(Name)
{
    public override string Signature => "au";
    public override string ValueText => "[" + string.Join(", ", Values) + "]";
    internal override void WriteValue(ref MessageWriter w)
    {
        w.WriteArray(Values.ToArray());
    }
}

public sealed record ByteArrayProperty(string Name, IReadOnlyList<byte> Values) : UnitProperty(Name)
{
    public override string Signature => "ay";
    public override string ValueText => "[" + string.Join(", ", Values.Select(b => "0x" + b.ToString("x2", CultureInfo.InvariantCulture))) + "]";
    internal override void WriteValue(ref MessageWriter w) => w.WriteArray(Values.ToArray());
}
