using System.Globalization;
using System.Text;

namespace Rlrun.Systemd;

/// <summary>
/// An sd_notify message: newline-separated KEY=VALUE assignments ("READY=1\nSTATUS=up\n").
/// Parse what a notify socket received; Format what to send.
/// </summary>
public sealed class NotifyMessage
{
    /// <summary>The datagram as text (UTF-8).</summary>
    public string Text { get; }

    /// <summary>The assignments in order (a line without '=' is kept with an empty value).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields { get; }

    private NotifyMessage(string text, IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        Text = text;
        Fields = fields;
    }

    /// <summary>The last value of key, or null.</summary>
    public string? this[string key]
    {
        get
        {
            for (int i = Fields.Count - 1; i >= 0; i--)
                if (Fields[i].Key == key) return Fields[i].Value;
            return null;
        }
    }

    public bool IsReady => this["READY"] == "1";
    public bool IsStopping => this["STOPPING"] == "1";
    public bool IsReloading => this["RELOADING"] == "1";
    public bool IsWatchdog => this["WATCHDOG"] == "1";
    public string? Status => this["STATUS"];
    public int? MainPid => int.TryParse(this["MAINPID"], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : null;

    public static NotifyMessage Parse(ReadOnlySpan<byte> datagram) => Parse(Encoding.UTF8.GetString(datagram));

    public static NotifyMessage Parse(string text)
    {
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            int eq = line.IndexOf('=');
            fields.Add(eq < 0 ? new(line, "") : new(line[..eq], line[(eq + 1)..]));
        }
        return new NotifyMessage(text, fields);
    }

    /// <summary>"K1=V1\nK2=V2\n". A key is non-empty, without '=' or a newline; a value without
    /// a newline (systemd reads one assignment per line). Throws ArgumentException otherwise.</summary>
    public static string Format(IEnumerable<KeyValuePair<string, string>> fields)
    {
        var sb = new StringBuilder();
        foreach (var (key, value) in fields)
        {
            if (key.Length == 0 || key.Contains('=') || key.Contains('\n') || key.Contains('\0'))
                throw new ArgumentException($"sd_notify key '{key}' is empty or holds '=', a newline or NUL");
            if (value.Contains('\n') || value.Contains('\0'))
                throw new ArgumentException($"sd_notify value of {key} holds a newline or NUL");
            sb.Append(key).Append('=').Append(value).Append('\n');
        }
        return sb.ToString();
    }

    public static string Format(params (string Key, string Value)[] fields) =>
        Format(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    public override string ToString() => Text.TrimEnd('\n').Replace('\n', ' ');
}
