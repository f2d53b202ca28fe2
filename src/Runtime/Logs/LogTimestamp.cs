using System.Globalization;

namespace Rlrun.Runtime.Logs;

/// <summary>RFC 3339 times as the CRI log format writes them (RFC3339Nano: nine fraction digits).
/// .NET's own parsing stops at seven fraction digits, hence the hand-written parser.</summary>
public static class LogTimestamp
{
    /// <summary>2026-12-01T10:11:12.123456700Z: always UTC, always nine digits (ticks are 100 ns).</summary>
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff", CultureInfo.InvariantCulture) + "00Z";

    /// <summary>YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM); fraction digits past 100 ns are dropped.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset time)
    {
        time = default;
        if (text.Length < 20 || text[10] is not ('T' or 't')) return false;
        Span<char> head = stackalloc char[19];
        text[..19].CopyTo(head);
        head[10] = 'T';
        if (!DateTime.TryParseExact(head, "yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var whole))
            return false;
        var rest = text[19..];
        long ticks = 0;
        if (rest.Length > 0 && rest[0] == '.')
        {
            int n = 1;
            while (n < rest.Length && char.IsAsciiDigit(rest[n])) n++;
            if (n == 1) return false;
            var digits = rest[1..n];
            for (int i = 0; i < 7; i++) ticks = ticks * 10 + (i < digits.Length ? digits[i] - '0' : 0);
            rest = rest[n..];
        }
        TimeSpan offset;
        if (rest is "Z" or "z") offset = TimeSpan.Zero;
        else if (rest.Length == 6 && rest[0] is '+' or '-' && rest[3] == ':'
                 && int.TryParse(rest[1..3], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
                 && int.TryParse(rest[4..6], NumberStyles.None, CultureInfo.InvariantCulture, out int m) && h < 24 && m < 60)
            offset = new TimeSpan(rest[0] == '-' ? -h : h, rest[0] == '-' ? -m : m, 0);
        else return false;
        try { time = new DateTimeOffset(whole.AddTicks(ticks), offset); }
        catch (ArgumentOutOfRangeException) { return false; }
        return true;
    }
}
