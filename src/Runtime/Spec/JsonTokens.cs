using System.Text;
using System.Text.Json;

namespace Rlrun.Runtime.Spec;

/// <summary>The token-level steps every hand-written reader of rlrun's documents takes (config.json,
/// process.json, the image store's index and image configs): move on, enter an object, take a
/// property, read a number, and a SpecJsonError at the token when it is not what was expected.
/// What a null means differs between documents, so the readers of strings, lists and maps stay
/// with each document's reader.</summary>
public static class JsonTokens
{
    public delegate T Reader<T>(ref Utf8JsonReader r);

    static readonly JsonReaderOptions Options = new() { CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>A whole document read by <paramref name="read"/>: null for a document that is just
    /// null, an error for anything after the value. Comments are refused, as the contexts did.</summary>
    public static T? Document<T>(ReadOnlySpan<byte> json, Reader<T> read) where T : class
    {
        var r = new Utf8JsonReader(json, Options);
        Next(ref r);
        T? value = IsNull(ref r) ? null : read(ref r);
        // The reader itself throws on anything but whitespace after the value.
        if (r.Read()) throw Expected(ref r, "the end of the document");
        return value;
    }

    public static bool IsNull(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Null;

    public static void Next(ref Utf8JsonReader r)
    {
        // With the whole document in hand the reader throws at a cut; this is the guard for the rest.
        if (!r.Read()) throw new SpecJsonError(r.BytesConsumed, "unexpected end of the document");
    }

    public static void ObjectStart(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.StartObject) throw Expected(ref r, "an object");
    }

    /// <summary>Moves to the next property's value; false at the end of the object.</summary>
    public static bool Property(ref Utf8JsonReader r, out string name)
    {
        Next(ref r);
        if (r.TokenType == JsonTokenType.EndObject) { name = ""; return false; }
        name = r.GetString()!; // a PropertyName: the reader allows nothing else here
        Next(ref r);
        return true;
    }

    public static bool Bool(ref Utf8JsonReader r) => r.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw Expected(ref r, "true or false"),
    };

    public static ushort U16(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Number && r.TryGetUInt16(out ushort n) ? n : throw Expected(ref r, "an integer from 0 to 65535");

    public static uint U32(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Number && r.TryGetUInt32(out uint n) ? n : throw Expected(ref r, "an integer from 0 to 4294967295");

    public static ulong U64(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Number && r.TryGetUInt64(out ulong n) ? n : throw Expected(ref r, "an integer from 0 to 18446744073709551615");

    public static int I32(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Number && r.TryGetInt32(out int n) ? n : throw Expected(ref r, "an integer from -2147483648 to 2147483647");

    public static long I64(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Number && r.TryGetInt64(out long n) ? n : throw Expected(ref r, "an integer from -9223372036854775808 to 9223372036854775807");

    public static SpecJsonError Expected(ref Utf8JsonReader r, string what) =>
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
