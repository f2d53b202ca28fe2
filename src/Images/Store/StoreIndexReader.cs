using System.Text;
using System.Text.Json;
using Rlrun.Runtime.Spec;

namespace Rlrun.Images.Store;

/// <summary>index.json read by hand with Utf8JsonReader: every image run reads it, and in a NativeAOT
/// process System.Text.Json's first use of StoreJsonContext builds the metadata of the index's types
/// by reflection, ~3 ms of a warm image run. It reads what StoreJsonContext read (the names as
/// written, case-sensitive; unknown ones skipped; the last of a duplicate wins; no comments; a null
/// kept where the model's field is a reference, as that context kept it). Errors are SpecJsonError at
/// the offending token, or the reader's own JsonException (SpecJsonError.Describe places either).
/// Writing the index stays with StoreJsonContext: only import, rmi and prune write it.</summary>
public static class StoreIndexReader
{
    delegate T Reader<T>(ref Utf8JsonReader r);

    /// <summary>The index, or null for a document that is just null.</summary>
    public static StoreIndex? Read(ReadOnlySpan<byte> json)
    {
        var r = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        Next(ref r);
        StoreIndex? index = IsNull(ref r) ? null : Index(ref r);
        if (r.Read()) throw Expected(ref r, "the end of the document");
        return index;
    }

    static StoreIndex Index(ref Utf8JsonReader r)
    {
        var x = new StoreIndex();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "images": x.Images = List(ref r, Image)!; break;
                case "layers": x.Layers = Map(ref r, Layer)!; break;
                default: r.Skip(); break;
            }
        }
        return x;
    }

    static ImageRecord Image(ref Utf8JsonReader r)
    {
        var i = new ImageRecord();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "id": i.Id = Str(ref r)!; break;
                case "manifest_digest": i.ManifestDigest = Str(ref r)!; break;
                case "manifest_media_type": i.ManifestMediaType = Str(ref r)!; break;
                case "config_digest": i.ConfigDigest = Str(ref r)!; break;
                case "layers": i.Layers = List(ref r, ImageLayer)!; break;
                case "names": i.Names = List(ref r, Str)!; break;
                case "created": i.Created = IsNull(ref r) ? null : Time(ref r); break;
                case "imported": i.Imported = Time(ref r); break;
                case "size": i.Size = I64(ref r); break;
                case "users": i.Users = List(ref r, Str)!; break;
                default: r.Skip(); break;
            }
        }
        return i;
    }

    static ImageLayer ImageLayer(ref Utf8JsonReader r)
    {
        var l = new ImageLayer();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "digest": l.Digest = Str(ref r)!; break;
                case "diff_id": l.DiffId = Str(ref r)!; break;
                case "media_type": l.MediaType = Str(ref r)!; break;
                case "size": l.Size = I64(ref r); break;
                default: r.Skip(); break;
            }
        }
        return l;
    }

    static LayerRecord Layer(ref Utf8JsonReader r)
    {
        var l = new LayerRecord();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "diff_id": l.DiffId = Str(ref r)!; break;
                case "refs": l.Refs = I32(ref r); break;
                case "size": l.Size = I64(ref r); break;
                case "format": l.Format = Str(ref r)!; break;
                case "uid_map": l.UidMap = Str(ref r)!; break;
                case "gid_map": l.GidMap = Str(ref r)!; break;
                default: r.Skip(); break;
            }
        }
        return l;
    }

    static bool IsNull(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Null;

    static void Next(ref Utf8JsonReader r)
    {
        if (!r.Read()) throw new SpecJsonError(r.BytesConsumed, "unexpected end of the document");
    }

    // An object, or null where the model holds a reference (as StoreJsonContext let it be).
    static void ObjectStart(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.StartObject) throw Expected(ref r, "an object");
    }

    static bool Property(ref Utf8JsonReader r, out string name)
    {
        Next(ref r);
        if (r.TokenType == JsonTokenType.EndObject) { name = ""; return false; }
        name = r.GetString()!;
        Next(ref r);
        return true;
    }

    static string? Str(ref Utf8JsonReader r) => r.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => r.GetString(),
        _ => throw Expected(ref r, "a string"),
    };

    static DateTimeOffset Time(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.String && r.TryGetDateTimeOffset(out var t) ? t : throw Expected(ref r, "a date and time (ISO 8601)");

    static int I32(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Number && r.TryGetInt32(out int n) ? n : throw Expected(ref r, "an integer from -2147483648 to 2147483647");

    static long I64(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Number && r.TryGetInt64(out long n) ? n : throw Expected(ref r, "an integer from -9223372036854775808 to 9223372036854775807");

    /// <summary>An array, null for null; a null element stays null.</summary>
    static List<T?>? List<T>(ref Utf8JsonReader r, Reader<T?> item) where T : class
    {
        if (IsNull(ref r)) return null;
        if (r.TokenType != JsonTokenType.StartArray) throw Expected(ref r, "an array");
        var list = new List<T?>();
        for (Next(ref r); r.TokenType != JsonTokenType.EndArray; Next(ref r)) list.Add(IsNull(ref r) ? null : item(ref r));
        return list;
    }

    static Dictionary<string, T?>? Map<T>(ref Utf8JsonReader r, Reader<T> item) where T : class
    {
        if (IsNull(ref r)) return null;
        if (r.TokenType != JsonTokenType.StartObject) throw Expected(ref r, "an object");
        var map = new Dictionary<string, T?>();
        while (Property(ref r, out string name)) map[name] = IsNull(ref r) ? null : item(ref r);
        return map;
    }

    static SpecJsonError Expected(ref Utf8JsonReader r, string what)
    {
        string found = r.TokenType switch
        {
            JsonTokenType.Null => "null",
            JsonTokenType.True => "true",
            JsonTokenType.False => "false",
            JsonTokenType.Number => Encoding.UTF8.GetString(r.ValueSpan),
            JsonTokenType.String when r.GetString() is { Length: <= 40 } s => $"the string \"{s}\"",
            JsonTokenType.String => "a string",
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "an array",
            var t => t.ToString(),
        };
        return new SpecJsonError(r.TokenStartIndex, $"expected {what}, found {found}");
    }
}
