using System.Text;
using System.Text.Json;
using Rlrun.Runtime.Spec;

namespace Rlrun.Images.Store;

/// <summary>The values of the image documents read by hand (StoreIndexReader, ImageConfigReader),
/// as the System.Text.Json contexts they replace read them: without RespectNullableAnnotations, so
/// a null is kept where the model holds a reference (a string, a list, a list's element, a map's
/// value) and refused where it holds a number or a date. Errors are SpecJsonError at the token.</summary>
internal static class LenientJsonReader
{
    internal delegate T Reader<T>(ref Utf8JsonReader r);

    internal static Utf8JsonReader Start(ReadOnlySpan<byte> json) =>
        new(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });

    internal static bool IsNull(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Null;

    internal static void Next(ref Utf8JsonReader r)
    {
        if (!r.Read()) throw new SpecJsonError(r.BytesConsumed, "unexpected end of the document");
    }

    internal static void ObjectStart(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.StartObject) throw Expected(ref r, "an object");
    }

    internal static bool Property(ref Utf8JsonReader r, out string name)
    {
        Next(ref r);
        if (r.TokenType == JsonTokenType.EndObject) { name = ""; return false; }
        name = r.GetString()!;
        Next(ref r);
        return true;
    }

    internal static string? Str(ref Utf8JsonReader r) => r.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => r.GetString(),
        _ => throw Expected(ref r, "a string"),
    };

    internal static DateTimeOffset Time(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.String && r.TryGetDateTimeOffset(out var t) ? t : throw Expected(ref r, "a date and time (ISO 8601)");

    internal static int I32(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Number && r.TryGetInt32(out int n) ? n : throw Expected(ref r, "an integer from -2147483648 to 2147483647");

    internal static long I64(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Number && r.TryGetInt64(out long n) ? n : throw Expected(ref r, "an integer from -9223372036854775808 to 9223372036854775807");

    /// <summary>An array, null for null; a null element stays null.</summary>
    internal static List<T?>? List<T>(ref Utf8JsonReader r, Reader<T?> item) where T : class
    {
        if (IsNull(ref r)) return null;
        if (r.TokenType != JsonTokenType.StartArray) throw Expected(ref r, "an array");
        var list = new List<T?>();
        for (Next(ref r); r.TokenType != JsonTokenType.EndArray; Next(ref r)) list.Add(IsNull(ref r) ? null : item(ref r));
        return list;
    }

    internal static Dictionary<string, T?>? Map<T>(ref Utf8JsonReader r, Reader<T?> item) where T : class
    {
        if (IsNull(ref r)) return null;
        if (r.TokenType != JsonTokenType.StartObject) throw Expected(ref r, "an object");
        var map = new Dictionary<string, T?>();
        while (Property(ref r, out string name)) map[name] = IsNull(ref r) ? null : item(ref r);
        return map;
    }

    internal static SpecJsonError Expected(ref Utf8JsonReader r, string what)
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
