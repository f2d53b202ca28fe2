using System.Globalization;
using System.Text;

namespace Rlrun.Systemd;

/// <summary>
/// OCI annotations "org.systemd.property.NAME=VALUE" as unit properties, runc's pass-through
/// rule: NAME is letters only (at least 3); VALUE is a GVariant-style literal; a NAME ending in
/// a lowercase letter + "Sec" (e.g. TimeoutStopSec) becomes NAME-USec with the value times 10^6.
/// Literals understood:
///   true / false                                -> b
///   uint64 N, @t N, and plain digits N          -> t   (plain digits: GVariant would say int32;
///                                                       systemd's numeric properties are t)
///   uint32 N, @u N -> u;  int32 N, @i N, -N -> i;  int64 N, @x N -> x;  double X, @d X, 1.5 -> d
///   boolean true, @b false                      -> b
///   'text' or "text" (\\ \' \" \n \t escapes), string 'x', @s 'x' -> s
///   ['a', 'b'], @as [...]                       -> as
///   @au [1, 2], [uint32 1, uint32 2]            -> au
///   anything else, taken as it stands (bare)    -> s
/// </summary>
public static class AnnotationProperties
{
    public const string Prefix = "org.systemd.property.";

    /// <summary>The properties the annotations ask for, ordered by annotation key. Throws
    /// FormatException naming the annotation for a bad name or value.</summary>
    public static IReadOnlyList<UnitProperty> FromAnnotations(IEnumerable<KeyValuePair<string, string>>? annotations)
    {
        var list = new List<UnitProperty>();
        if (annotations is null) return list;
        foreach (var (key, value) in annotations.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (!key.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            var name = key[Prefix.Length..];
            try
            {
                list.Add(Parse(name, value));
            }
            catch (FormatException e)
            {
                throw new FormatException($"annotation {key}={value}: {e.Message}", e);
            }
        }
        return list;
    }

    /// <summary>One property from its name and literal, with the Sec -> USec rule.</summary>
    public static UnitProperty Parse(string name, string literal)
    {
        CheckName(name);
        var p = ParseValue(name, literal);
        if (name.Length > 3 && name.EndsWith("Sec", StringComparison.Ordinal) && char.IsAsciiLetterLower(name[^4]))
            p = SecToUSec(name[..^3] + "USec", p);
        return p;
    }

    private static void CheckName(string name)
    {
        if (name.Length < 3) throw new FormatException($"property name '{name}' is too short");
        if (!name.All(char.IsAsciiLetter)) throw new FormatException($"property name '{name}' has a character that is not an ASCII letter");
    }

    private static UnitProperty SecToUSec(string name, UnitProperty p) => p switch
    {
        UInt64Property t => UnitProperty.UInt64(name, checked(t.Value * 1_000_000UL)),
        UInt32Property u => UnitProperty.UInt64(name, u.Value * 1_000_000UL),
        Int32Property i when i.Value >= 0 => UnitProperty.UInt64(name, (ulong)i.Value * 1_000_000UL),
        Int64Property x when x.Value >= 0 => UnitProperty.UInt64(name, checked((ulong)x.Value * 1_000_000UL)),
        DoubleProperty d when d.Value >= 0 && !double.IsInfinity(d.Value) => UnitProperty.UInt64(name, (ulong)Math.Round(d.Value * 1_000_000)),
        _ => throw new FormatException($"{p.Name} takes seconds as a non-negative number, not {p.ValueText} ({p.Signature})"),
    };

    /// <summary>The literal as a typed property (no Sec -> USec rule).</summary>
    public static UnitProperty ParseValue(string name, string literal)
    {
        var s = literal.Trim();
        if (s.Length == 0) return UnitProperty.String(name, "");

        // Type annotations: "@t 5", "@as ['a']".
        if (s[0] == '@')
        {
            int sp = s.IndexOfAny([' ', '\t', '[', '\'', '"']);
            if (sp < 0) throw new FormatException($"'{literal}': a type annotation needs a value after it");
            var type = s[1..sp];
            var rest = s[sp..].Trim();
            return Typed(name, type, rest, literal);
        }

        // Keyword prefixes: "uint64 5", "string 'x'".
        int space = s.IndexOf(' ');
        if (space > 0)
        {
            var word = s[..space];
            var sig = word switch
            {
                "uint64" => "t", "uint32" => "u", "int64" => "x", "int32" => "i",
                "double" => "d", "boolean" => "b", "string" => "s",
                _ => null,
            };
            if (sig is not null) return Typed(name, sig, s[(space + 1)..].Trim(), literal);
        }

        if (s is "true" or "false") return UnitProperty.Bool(name, s == "true");
        if (s[0] is '\'' or '"') return UnitProperty.String(name, Unquote(s, literal));
        if (s[0] == '[') return Array(name, null, s, literal);
        if (IsDigits(s)) return UnitProperty.UInt64(name, ParseUInt64(s, literal));
        if (s[0] is '-' or '+' && s.Length > 1 && IsDigits(s[1..]))
            return UnitProperty.Int32(name, ParseInt32(s, literal));
        if (LooksLikeDouble(s)) return UnitProperty.Double(name, ParseDouble(s, literal));
        // A bare word: taken as the string it is.
        return UnitProperty.String(name, s);
    }

    private static UnitProperty Typed(string name, string sig, string value, string literal) => sig switch
    {
        "t" => UnitProperty.UInt64(name, ParseUInt64(value, literal)),
        "u" => UnitProperty.UInt32(name, checked((uint)ParseUInt64(value, literal))),
        "x" => UnitProperty.Int64(name, ParseInt64(value, literal)),
        "i" => UnitProperty.Int32(name, ParseInt32(value, literal)),
        "d" => UnitProperty.Double(name, ParseDouble(value, literal)),
        "b" => value is "true" or "false" ? UnitProperty.Bool(name, value == "true") : throw new FormatException($"'{literal}': a boolean is true or false"),
        "s" => UnitProperty.String(name, value.Length > 0 && value[0] is '\'' or '"' ? Unquote(value, literal) : throw new FormatException($"'{literal}': a string is quoted")),
        "as" or "au" => Array(name, sig, value, literal),
        _ => throw new FormatException($"'{literal}': type '{sig}' is not supported (b, t, u, i, x, d, s, as, au)"),
    };

    private static UnitProperty Array(string name, string? sig, string s, string literal)
    {
        if (s.Length < 2 || s[0] != '[' || s[^1] != ']') throw new FormatException($"'{literal}': an array is [item, ...]");
        var items = SplitItems(s[1..^1], literal);
        if (sig is null)
        {
            if (items.Count == 0) throw new FormatException($"'{literal}': the type of an empty array is unknown (write @as [] or @au [])");
            if (items.All(i => i.Length > 0 && i[0] is '\'' or '"')) sig = "as";
            else if (items.All(i => i.StartsWith("uint32 ", StringComparison.Ordinal))) sig = "au";
            else throw new FormatException($"'{literal}': an array of strings (['a', 'b']) or of uint32 (@au [1, 2]) is supported");
        }
        if (sig == "as")
            return UnitProperty.Strings(name, items.Select(i => Unquote(i, literal)));
        return UnitProperty.UInt32s(name, items.Select(i =>
        {
            var v = i.StartsWith("uint32 ", StringComparison.Ordinal) ? i[7..].Trim() : i;
            return checked((uint)ParseUInt64(v, literal));
        }));
    }

    /// <summary>Splits "a, 'b,c', d" at commas outside quotes.</summary>
    private static List<string> SplitItems(string s, string literal)
    {
        var items = new List<string>();
        var cur = new StringBuilder();
        char quote = '\0';
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (quote != '\0')
            {
                cur.Append(c);
                if (c == '\\' && i + 1 < s.Length) cur.Append(s[++i]);
                else if (c == quote) quote = '\0';
            }
            else if (c is '\'' or '"') { quote = c; cur.Append(c); }
            else if (c == ',') { items.Add(cur.ToString().Trim()); cur.Clear(); }
            else cur.Append(c);
        }
        if (quote != '\0') throw new FormatException($"'{literal}': unterminated string");
        var last = cur.ToString().Trim();
        if (last.Length > 0 || items.Count > 0) items.Add(last);
        if (items.Any(i => i.Length == 0)) throw new FormatException($"'{literal}': empty array item");
        return items;
    }

    private static string Unquote(string s, string literal)
    {
        if (s.Length < 2 || s[0] is not ('\'' or '"') || s[^1] != s[0])
            throw new FormatException($"'{literal}': unterminated string");
        char q = s[0];
        var sb = new StringBuilder();
        for (int i = 1; i < s.Length - 1; i++)
        {
            char c = s[i];
            if (c == q) throw new FormatException($"'{literal}': unexpected {q} inside the string (escape it as \\{q})");
            if (c != '\\') { sb.Append(c); continue; }
            if (++i >= s.Length - 1) throw new FormatException($"'{literal}': a string ends in a lone backslash");
            sb.Append(s[i] switch
            {
                'n' => '\n', 't' => '\t', 'r' => '\r', '0' => '\0',
                _ => s[i], // \\ \' \" and anything else: the character itself
            });
        }
        return sb.ToString();
    }

    private static bool IsDigits(string s) => s.Length > 0 && s.All(char.IsAsciiDigit);

    private static bool LooksLikeDouble(string s) =>
        s.Length > 0 && (char.IsAsciiDigit(s[0]) || s[0] is '-' or '+' or '.') &&
        s.All(c => char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '-' or '+') && s.Any(char.IsAsciiDigit);

    private static ulong ParseUInt64(string s, string literal) =>
        ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
            : throw new FormatException($"'{literal}': '{s}' is not an unsigned 64-bit integer");

    private static long ParseInt64(string s, string literal) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v
            : throw new FormatException($"'{literal}': '{s}' is not a 64-bit integer");

    private static int ParseInt32(string s, string literal) =>
        int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v
            : throw new FormatException($"'{literal}': '{s}' is not a 32-bit integer");

    private static double ParseDouble(string s, string literal) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
            : throw new FormatException($"'{literal}': '{s}' is not a number");
}
