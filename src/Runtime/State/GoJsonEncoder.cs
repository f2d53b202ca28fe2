using System.Text.Encodings.Web;

namespace Rlrun.Runtime.State;

/// <summary>Strings escaped as Go's encoding/json escapes them (runc's state and list output):
/// non-ASCII stays UTF-8; escaped are only '"' and '\' (\" \\), \n \r \t, the other control
/// characters as \u00XX, the HTML-sensitive &lt; &gt; &amp; as \u003c \u003e \u0026, and U+2028 and
/// U+2029 (JavaScript line ends) as \u2028 \u2029, hex in lowercase. Go 1.19 (Debian 12's runc)
/// writes \b and \f as \u0008 and \u000c too. System.Text.Json's default escapes every non-ASCII
/// character (\u00E4) and more ASCII (\u0022 \u0027 \u002B), valid JSON that runc never prints.</summary>
public sealed class GoJsonEncoder : JavaScriptEncoder
{
    public static readonly GoJsonEncoder Instance = new();

    GoJsonEncoder() { }

    public override int MaxOutputCharactersPerInputCharacter => 6;

    public override bool WillEncode(int unicodeScalar) =>
        unicodeScalar < 0x20 || unicodeScalar is '"' or '\\' or '<' or '>' or '&' or 0x2028 or 0x2029;

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        for (int i = 0; i < textLength; i++)
            if (WillEncode(text[i])) return i;
        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        ReadOnlySpan<char> escaped = unicodeScalar switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            _ => null,
        };
        var output = new Span<char>(buffer, bufferLength);
        if (escaped.IsEmpty && WillEncode(unicodeScalar))
        {
            numberOfCharactersWritten = 6;
            if (bufferLength < 6) return false;
            "\\u".CopyTo(output);
            return unicodeScalar.TryFormat(output[2..], out _, "x4");
        }
        if (escaped.IsEmpty)
        {
            // Not ours to escape: the scalar as it is (UTF-16, a surrogate pair above U+FFFF).
            numberOfCharactersWritten = 0;
            if (!new System.Text.Rune(unicodeScalar).TryEncodeToUtf16(output, out int n)) return false;
            numberOfCharactersWritten = n;
            return true;
        }
        numberOfCharactersWritten = escaped.Length;
        return escaped.TryCopyTo(output);
    }
}
