using System.Text;
using System.Text.Json;

namespace Rlrun.Runtime.Spec;

// The values the spec's objects are made of. Each reader takes the token the reader is on and
// refuses null unless the field is nullable (the caller checks IsNull first): RespectNullableAnnotations.
public static partial class SpecJsonReader
{
    static bool IsNull(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Null;

    static void Next(ref Utf8JsonReader r)
    {
        // With the whole document in hand the reader throws at a cut; this is the guard for the rest.
        if (!r.Read()) throw new SpecJsonError(r.BytesConsumed, "unexpected end of the document");
    }

    static void ObjectStart(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.StartObject) throw Expected(ref r, "an object");
    }

    /// <summary>Moves to the next property's value; false at the end of the object.</summary>
    static bool Property(ref Utf8JsonReader r, out string name)
    {
        Next(ref r);
        if (r.TokenType == JsonTokenType.EndObject) { name = ""; return false; }
        name = r.GetString()!; // a PropertyName: the reader allows nothing else here
        Next(ref r);
        return true;
    }

    static string Str(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.String ? r.GetString()! : throw Expected(ref r, "a string");

    static string? OptStr(ref Utf8JsonReader r) => IsNull(ref r) ? null : Str(ref r);

    static bool Bool(ref Utf8JsonReader r) => r.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw Expected(ref r, "true or false"),
    };

    static ushort U16(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Number && r.TryGetUInt16(out ushort n) ? n : throw Expected(ref r, "an integer from 0 to 65535");

    static uint U32(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Number && r.TryGetUInt32(out uint n) ? n : throw Expected(ref r, "an integer from 0 to 4294967295");

    static ulong U64(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Number && r.TryGetUInt64(out ulong n) ? n : throw Expected(ref r, "an integer from 0 to 18446744073709551615");

    static int I32(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Number && r.TryGetInt32(out int n) ? n : throw Expected(ref r, "an integer from -2147483648 to 2147483647");

    static long I64(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Number && r.TryGetInt64(out long n) ? n : throw Expected(ref r, "an integer from -9223372036854775808 to 9223372036854775807");

    /// <summary>An array (null for null) whose elements may not be null.</summary>
    static List<T>? List<T>(ref Utf8JsonReader r, Reader<T> item)
    {
        if (IsNull(ref r)) return null;
        if (r.TokenType != JsonTokenType.StartArray) throw Expected(ref r, "an array");
        var list = new List<T>();
        for (Next(ref r); r.TokenType != JsonTokenType.EndArray; Next(ref r)) list.Add(item(ref r));
        return list;
    }

    static Dictionary<string, string>? StringMap(ref Utf8JsonReader r)
    {
        if (IsNull(ref r)) return null;
        if (r.TokenType != JsonTokenType.StartObject) throw Expected(ref r, "an object of strings");
        var map = new Dictionary<string, string>();
        while (Property(ref r, out string name)) map[name] = Str(ref r);
        return map;
    }

    // JsonElement?: any value, kept as it is written; null is null, as SpecJsonContext read it.
    static JsonElement? Raw(ref Utf8JsonReader r) => IsNull(ref r) ? null : JsonElement.ParseValue(ref r);

    static SpecJsonError Expected(ref Utf8JsonReader r, string what) =>
        new(r.TokenStartIndex, $"expected {what}, found {Found(ref r)}");

    static string Found(ref Utf8JsonReader r) => r.TokenType switch
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
}
