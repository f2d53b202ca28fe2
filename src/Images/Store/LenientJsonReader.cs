using System.Text.Json;
using Rlrun.Runtime.Spec;
using static Rlrun.Runtime.Spec.JsonTokens;

namespace Rlrun.Images.Store;

/// <summary>The values of the image documents read by hand (StoreIndexReader, ImageConfigReader),
/// as the System.Text.Json contexts they replace read them: without RespectNullableAnnotations, so
/// a null is kept where the model holds a reference (a string, a list, a list's element, a map's
/// value) and refused where it holds a number or a date. Errors are SpecJsonError at the token.</summary>
internal static class LenientJsonReader
{
    internal static string? Str(ref Utf8JsonReader r) => r.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => r.GetString(),
        _ => throw Expected(ref r, "a string"),
    };

    internal static DateTimeOffset Time(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.String && r.TryGetDateTimeOffset(out var t) ? t : throw Expected(ref r, "a date and time (ISO 8601)");

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
}
