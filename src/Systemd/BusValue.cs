using System.Globalization;

namespace Rlrun.Systemd;

/// <summary>
/// A value read from D-Bus: its signature and the value as one of bool, ulong (y q u t), long
/// (n i x), double, string (s o g), string[] (as ao), ulong[] (ay au at aq); null for a type this
/// reader does not decode (it was skipped).
/// </summary>
public sealed class BusValue
{
    public string Signature { get; }
    public object? Value { get; }

    internal BusValue(string signature, object? value)
    {
        Signature = signature;
        Value = value;
    }

    internal static BusValue Of(bool b) => new("b", b);
    internal static BusValue Of(ulong t) => new("t", t);
    internal static BusValue Of(string s) => new("s", s);

    public bool AsBool() => Value is bool b ? b : throw Mismatch("b");
    public ulong AsUInt64() => Value switch
    {
        ulong u => u,
        long l when l >= 0 => (ulong)l,
        _ => throw Mismatch("t"),
    };
    public long AsInt64() => Value switch
    {
        long l => l,
        ulong u when u <= long.MaxValue => (long)u,
        _ => throw Mismatch("x"),
    };
    public double AsDouble() => Value is double d ? d : throw Mismatch("d");
    public string AsString() => Value is string s ? s : throw Mismatch("s");
    public IReadOnlyList<string> AsStrings() => Value is string[] a ? a : throw Mismatch("as");
    public IReadOnlyList<ulong> AsUInt64s() => Value is ulong[] a ? a : throw Mismatch("at");

    private InvalidCastException Mismatch(string wanted) =>
        new($"D-Bus value of signature '{Signature}' ({this}) read as '{wanted}'");

    public override string ToString() => Value switch
    {
        null => $"<{Signature}>",
        bool b => b ? "true" : "false",
        double d => d.ToString(CultureInfo.InvariantCulture),
        string s => s,
        string[] a => "[" + string.Join(", ", a) + "]",
        ulong[] a => "[" + string.Join(", ", a) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Value.ToString() ?? "",
    };
}
