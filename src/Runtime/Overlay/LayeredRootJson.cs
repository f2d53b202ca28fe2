using System.Text.Json;
using static Rlrun.Runtime.Spec.JsonTokens;

namespace Rlrun.Runtime.Overlay;

/// <summary>layers.json read and written by hand with Utf8JsonReader/Utf8JsonWriter: every image run
/// writes it and every create of an image container's bundle (a supervised restart, `create --bundle`)
/// reads it, and in a NativeAOT process System.Text.Json's first use of a context builds its metadata
/// (~1 ms of a warm image run). The bytes are those the context wrote (snake_case names in declaration
/// order, fuse_overlayfs left out when null, indented, the default encoder's escapes; LayeredRootJsonTests
/// keeps the two equal). It reads what that context read (unknown names skipped, the last of a duplicate
/// wins, no comments), except a null where the model holds a required string or list: refused at its
/// field here, where the context let it through to a crash or to a path relative to the working directory.</summary>
public static class LayeredRootJson
{
    public static byte[] Serialize(LayeredRoot root)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            Str(w, "driver", root.Driver);
            Str(w, "store", root.Store);
            if (root.Lowers is { } lowers)
            {
                w.WriteStartArray("lowers");
                foreach (var l in lowers)
                {
                    if (l is null) w.WriteNullValue();
                    else w.WriteStringValue(l);
                }
                w.WriteEndArray();
            }
            Str(w, "upper", root.Upper);
            Str(w, "work", root.Work);
            Str(w, "fuse_overlayfs", root.FuseOverlayfs);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The layered root, or null for a document that is just null.</summary>
    /// <exception cref="JsonException">not JSON, or a field of the wrong type (a SpecJsonError at its token)</exception>
    public static LayeredRoot? Read(ReadOnlySpan<byte> json) => Document(json, Root);

    static LayeredRoot Root(ref Utf8JsonReader r)
    {
        var x = new LayeredRoot();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "driver": x.Driver = Str(ref r); break;
                case "store": x.Store = Str(ref r); break;
                case "lowers": x.Lowers = Strings(ref r); break;
                case "upper": x.Upper = Str(ref r); break;
                case "work": x.Work = Str(ref r); break;
                case "fuse_overlayfs": x.FuseOverlayfs = IsNull(ref r) ? null : Str(ref r); break;
                default: r.Skip(); break;
            }
        }
        return x;
    }

    static string Str(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.String ? r.GetString()! : throw Expected(ref r, "a string");

    static List<string> Strings(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.StartArray) throw Expected(ref r, "an array of strings");
        var list = new List<string>();
        for (Next(ref r); r.TokenType != JsonTokenType.EndArray; Next(ref r)) list.Add(Str(ref r));
        return list;
    }

    // Nulls are left out, as DefaultIgnoreCondition.WhenWritingNull does.
    static void Str(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }
}
