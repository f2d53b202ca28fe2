using System.Text;
using System.Text.Json;

namespace Rlrun.Runtime.Process;

/// <summary>The primitives of the init config's compact form (InitConfigCodec): little-endian
/// fixed-size numbers, strings as a 7-bit length and UTF-8, a presence byte before anything that
/// may be null, a count (-1: null) before a list. No names, no reflection and no warm-up: the init
/// reads its config in microseconds, where System.Text.Json's first use cost milliseconds (issue 16).</summary>
public sealed class CompactWriter
{
    readonly MemoryStream _stream = new();
    readonly BinaryWriter _w;

    public CompactWriter() => _w = new BinaryWriter(_stream, Encoding.UTF8);

    public byte[] ToArray() { _w.Flush(); return _stream.ToArray(); }

    public void Bytes(ReadOnlySpan<byte> b) => _w.Write(b);
    public void Bool(bool v) => _w.Write(v);
    public void Int(int v) => _w.Write(v);
    public void UInt(uint v) => _w.Write(v);
    public void Long(long v) => _w.Write(v);
    public void ULong(ulong v) => _w.Write(v);
    public void UShort(ushort v) => _w.Write(v);
    public void Str(string v) => _w.Write(v);

    /// <summary>A presence byte; true when the value follows.</summary>
    public bool Has(object? v) { _w.Write(v is not null); return v is not null; }

    public void Str(string? v, bool optional) { if (Has(v)) _w.Write(v!); }
    public void Opt(bool? v) { if (Has(v)) _w.Write(v!.Value); }
    public void Opt(int? v) { if (Has(v)) _w.Write(v!.Value); }
    public void Opt(uint? v) { if (Has(v)) _w.Write(v!.Value); }
    public void Opt(long? v) { if (Has(v)) _w.Write(v!.Value); }
    public void Opt(ulong? v) { if (Has(v)) _w.Write(v!.Value); }
    public void Opt(ushort? v) { if (Has(v)) _w.Write(v!.Value); }

    public void List<T>(List<T>? list, Action<CompactWriter, T> item)
    {
        if (list is null) { _w.Write(-1); return; }
        _w.Write(list.Count);
        foreach (var x in list) item(this, x);
    }

    public void Strings(List<string>? list) => List(list, static (w, s) => w.Str(s));
    public void UInts(List<uint>? list) => List(list, static (w, v) => w.UInt(v));

    public void Map(Dictionary<string, string>? map)
    {
        if (map is null) { _w.Write(-1); return; }
        _w.Write(map.Count);
        foreach (var (k, v) in map) { _w.Write(k); _w.Write(v); }
    }

    /// <summary>Parts the runtime keeps as raw JSON (intelRdt, personality, ...): their text.</summary>
    public void Json(JsonElement? e) => Str(e?.GetRawText(), optional: true);
}

/// <summary>Reads what <see cref="CompactWriter"/> wrote; a short or malformed payload is an
/// IOException naming the init socket's config.</summary>
public sealed class CompactReader(byte[] payload)
{
    readonly BinaryReader _r = new(new MemoryStream(payload, writable: false), Encoding.UTF8);

    public long Remaining => _r.BaseStream.Length - _r.BaseStream.Position;

    public byte[] Bytes(int n) { var b = _r.ReadBytes(n); return b.Length == n ? b : throw Truncated(); }
    public bool Bool() => _r.ReadBoolean();
    public int Int() => _r.ReadInt32();
    public uint UInt() => _r.ReadUInt32();
    public long Long() => _r.ReadInt64();
    public ulong ULong() => _r.ReadUInt64();
    public ushort UShort() => _r.ReadUInt16();
    public string Str() => _r.ReadString();

    public bool Has() => _r.ReadBoolean();
    public string? OptStr() => Has() ? Str() : null;
    public bool? OptBool() => Has() ? Bool() : null;
    public int? OptInt() => Has() ? Int() : null;
    public uint? OptUInt() => Has() ? UInt() : null;
    public long? OptLong() => Has() ? Long() : null;
    public ulong? OptULong() => Has() ? ULong() : null;
    public ushort? OptUShort() => Has() ? UShort() : null;

    public List<T>? List<T>(Func<CompactReader, T> item)
    {
        int n = Count();
        if (n < 0) return null;
        var list = new List<T>(n);
        for (int i = 0; i < n; i++) list.Add(item(this));
        return list;
    }

    public List<string>? Strings() => List(static r => r.Str());
    public List<uint>? UInts() => List(static r => r.UInt());

    public Dictionary<string, string>? Map()
    {
        int n = Count();
        if (n < 0) return null;
        var map = new Dictionary<string, string>(n);
        for (int i = 0; i < n; i++) { string k = Str(); map[k] = Str(); }
        return map;
    }

    public JsonElement? Json() => OptStr() is { } text ? JsonDocument.Parse(text).RootElement.Clone() : null;

    /// <summary>A count no larger than the bytes left (each item takes one at least): a damaged
    /// count fails here rather than allocating gigabytes.</summary>
    int Count()
    {
        int n = Int();
        if (n < -1 || n > Remaining) throw new IOException($"init socket: the config is damaged (a count of {n} with {Remaining} bytes left)");
        return n;
    }

    public static IOException Truncated() => new("init socket: the config is truncated");
}
