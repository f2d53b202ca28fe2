using System.Text;
using System.Text.Json;

namespace Rlrun.Runtime.Spec;

/// <summary>A value of the wrong type in config.json, at a byte offset of the document.</summary>
public sealed class SpecJsonError(long offset, string reason) : JsonException(reason)
{
    public long Offset { get; } = offset;

    /// <summary>"config.json:3:17: field process.args[0]: invalid config: expected a string, found 5":
    /// the line and column 1-based as editors show them (characters, not bytes), the field path as
    /// System.Text.Json's JsonException.Path gave it. Found again only when there is an error, by
    /// reading the document up to the offending token, so reading a good config keeps no path.</summary>
    public static string Describe(ReadOnlySpan<byte> json, string name, string what, JsonException e)
    {
        long offset;
        string reason;
        if (e is SpecJsonError se) (offset, reason) = (se.Offset, se.Message);
        else
        {
            // The reader's own: its position is a 0-based line and byte in that line.
            offset = OffsetOf(json, e.LineNumber ?? 0, e.BytePositionInLine ?? 0);
            reason = e.Message;
            int cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0) reason = reason[..cut];
            reason = reason.TrimEnd('.', ' ');
            if (reason.StartsWith("'/'", StringComparison.Ordinal)) reason += " (comments are not allowed)";
        }
        var (line, column) = LineAndColumn(json, offset);
        string path = PathAt(json, offset);
        string field = path.Length == 0 ? "" : $" field {path}:";
        return $"{name}:{line}:{column}:{field} invalid {what}: {reason}";
    }

    static long OffsetOf(ReadOnlySpan<byte> json, long line, long byteInLine)
    {
        long start = 0;
        for (long i = 0; i < line; i++)
        {
            int nl = json[(int)start..].IndexOf((byte)'\n');
            if (nl < 0) break;
            start += nl + 1;
        }
        return Math.Min(start + byteInLine, json.Length);
    }

    static (long Line, long Column) LineAndColumn(ReadOnlySpan<byte> json, long offset)
    {
        var before = json[..(int)Math.Min(offset, json.Length)];
        int lineStart = before.LastIndexOf((byte)'\n') + 1;
        long line = before.Count((byte)'\n') + 1;
        long column = 1;
        foreach (byte b in before[lineStart..]) if ((b & 0xC0) != 0x80) column++; // UTF-8 continuation bytes are not characters
        return (line, column);
    }

    /// <summary>The property names and array indices down to the token at offset (or to where the
    /// reader fails): "mounts[1].options".</summary>
    static string PathAt(ReadOnlySpan<byte> json, long offset)
    {
        var frames = new List<(bool Array, string? Name, int Index)>();
        var r = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        long lastEnd = 0; // where the last token read ended
        try
        {
            while (r.Read())
            {
                lastEnd = r.BytesConsumed;
                var t = r.TokenType;
                bool value = t is not (JsonTokenType.PropertyName or JsonTokenType.EndObject or JsonTokenType.EndArray);
                if (value && frames.Count > 0 && frames[^1].Array) frames[^1] = frames[^1] with { Index = frames[^1].Index + 1 };
                if (r.TokenStartIndex >= offset) break;
                if (t == JsonTokenType.PropertyName) frames[^1] = frames[^1] with { Name = r.GetString() };
                else if (t is JsonTokenType.StartObject or JsonTokenType.StartArray) frames.Add((t == JsonTokenType.StartArray, null, -1));
                else if (t is JsonTokenType.EndObject or JsonTokenType.EndArray) frames.RemoveAt(frames.Count - 1);
            }
        }
        catch (JsonException)
        {
            // The reader's error: the path is where it stopped, in an array at the element after a comma.
            if (frames.Count > 0 && frames[^1].Array && offset > lastEnd && json[(int)lastEnd..(int)offset].Contains((byte)','))
                frames[^1] = frames[^1] with { Index = frames[^1].Index + 1 };
        }
        var path = new StringBuilder();
        foreach (var f in frames)
        {
            if (f.Array) { if (f.Index >= 0) path.Append('[').Append(f.Index).Append(']'); }
            else if (f.Name is { } n)
            {
                // As JsonException.Path writes a name that is not a plain word.
                if (n.AsSpan().IndexOfAny(".' /\"[]()\t\n\r\f\b\\\u0085\u2028\u2029") >= 0) path.Append("['").Append(n).Append("']");
                else path.Append(path.Length == 0 ? "" : ".").Append(n);
            }
        }
        return path.ToString();
    }
}
