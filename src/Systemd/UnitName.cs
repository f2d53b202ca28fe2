using System.Text;

namespace Rlrun.Systemd;

/// <summary>Unit names: validation, systemd-escape's escaping, the D-Bus interface of a unit type.</summary>
public static class UnitName
{
    /// <summary>systemd's UNIT_NAME_MAX.</summary>
    public const int MaxLength = 255;

    private static readonly string[] Suffixes =
        [".service", ".socket", ".target", ".device", ".mount", ".automount", ".swap", ".timer", ".path", ".slice", ".scope"];

    /// <summary>A valid unit name: "prefix.type", at most 255 characters, the prefix made of
    /// [A-Za-z0-9:_.\\-] (and at most one '@' for templates/instances), a known type suffix.</summary>
    public static bool IsValid(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength) return false;
        var suffix = Suffixes.FirstOrDefault(name.EndsWith);
        if (suffix is null) return false;
        var prefix = name[..^suffix.Length];
        if (prefix.Length == 0) return false;
        int ats = 0;
        foreach (var c in prefix)
        {
            if (c == '@') { ats++; continue; }
            if (!IsValidChar(c)) return false;
        }
        return ats <= 1 && prefix[0] != '@';
    }

    private static bool IsValidChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is ':' or '_' or '.' or '-' or '\\';

    /// <summary>
    /// systemd's unit_name_escape (systemd-escape without --path): '/' becomes '-'; every other
    /// byte outside [A-Za-z0-9:_.] ('-' and '\\' included) and a leading '.' become \xNN.
    /// </summary>
    public static string Escape(string s) => Escape(s, keepDash: false);

    private static string Escape(string s, bool keepDash)
    {
        var sb = new StringBuilder();
        var bytes = Encoding.UTF8.GetBytes(s);
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            char c = (char)b;
            if (c == '/') sb.Append('-');
            else if (b < 0x80 && (char.IsAsciiLetterOrDigit(c) || c is ':' or '_' || (c == '-' && keepDash) || (c == '.' && i > 0)))
                sb.Append(c);
            else sb.Append("\\x").Append(b.ToString("x2"));
        }
        return sb.ToString();
    }

    /// <summary>"PREFIX-ID.scope" for a container ID (runc and crun name theirs "runc-ID.scope",
    /// "crun-ID.scope"). '-' is kept as is; other characters a unit name cannot hold are
    /// escaped as systemd-escape does.</summary>
    public static string ScopeFor(string prefix, string id)
    {
        var name = $"{prefix}-{Escape(id, keepDash: true)}.scope";
        if (!IsValid(name)) throw new ArgumentException($"'{name}' is no valid unit name (container ID '{id}' too long?)");
        return name;
    }

    /// <summary>The type-specific D-Bus interface of a unit ("x.scope" -> org.freedesktop.systemd1.Scope).</summary>
    public static string? InterfaceOf(string unit)
    {
        int dot = unit.LastIndexOf('.');
        if (dot < 0) return null;
        var type = unit[(dot + 1)..];
        if (type.Length == 0 || !Suffixes.Contains("." + type)) return null;
        return "org.freedesktop.systemd1." + char.ToUpperInvariant(type[0]) + type[1..];
    }
}
