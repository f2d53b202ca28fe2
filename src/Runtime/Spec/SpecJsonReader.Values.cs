using System.Text.Json;
using static Rlrun.Runtime.Spec.JsonTokens;

namespace Rlrun.Runtime.Spec;

// The values the spec's objects are made of (JsonTokens has the numbers and the steps). Each reader
// takes the token the reader is on and refuses null unless the field is nullable (the caller checks
// IsNull first): RespectNullableAnnotations.
public static partial class SpecJsonReader
{
    static string Str(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.String ? r.GetString()! : throw Expected(ref r, "a string");

    static string? OptStr(ref Utf8JsonReader r) => IsNull(ref r) ? null : Str(ref r);

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
}
