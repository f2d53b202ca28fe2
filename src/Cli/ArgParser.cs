namespace Rlrun.Cli;

/// <summary>A flag as runc declares it: names ("bundle", "b"), and whether it takes a value.</summary>
public sealed record Flag(string[] Names, bool TakesValue, string Help, bool Repeatable = false)
{
    public string Name => Names[0];
}

public sealed class UsageException(string message) : Exception(message);

/// <summary>Parsed flags and positional arguments.</summary>
public sealed class ParsedArgs
{
    readonly Dictionary<string, List<string>> _values = [];
    public List<string> Positional { get; } = [];
    /// <summary>How many positionals came before a "--" that ended the flags (null: none did).</summary>
    public int? SeparatorAt { get; internal set; }

    internal void Add(string name, string value)
    {
        if (!_values.TryGetValue(name, out var list)) _values[name] = list = [];
        list.Add(value);
    }

    public bool Has(string name) => _values.ContainsKey(name);
    public string? Value(string name) => _values.TryGetValue(name, out var v) ? v[^1] : null;
    public IReadOnlyList<string> Values(string name) => _values.TryGetValue(name, out var v) ? v : [];

    public bool Bool(string name)
    {
        var v = Value(name);
        return v is not null && v is not ("false" or "0");
    }

    public int Int(string name, int fallback)
    {
        var v = Value(name);
        if (v is null) return fallback;
        return int.TryParse(v, out int n) ? n : throw new UsageException($"invalid value \"{v}\" for flag --{name}: not a number");
    }
}

/// <summary>Go-flag style parsing, as runc's CLI does it: -f, --flag, --flag=value, --flag value;
/// a boolean flag takes no separate value; parsing stops at the first positional argument or "--".</summary>
public static class ArgParser
{
    public static ParsedArgs Parse(IReadOnlyList<string> args, IReadOnlyList<Flag> flags, bool stopAtPositional = true)
    {
        var parsed = new ParsedArgs();
        int i = 0;
        for (; i < args.Count; i++)
        {
            string a = args[i];
            if (a == "--") { parsed.SeparatorAt = parsed.Positional.Count; i++; break; }
            if (a.Length < 2 || a[0] != '-')
            {
                if (stopAtPositional) break;
                parsed.Positional.Add(a);
                continue;
            }
            string body = a.TrimStart('-');
            string? inline = null;
            int eq = body.IndexOf('=');
            if (eq >= 0) { inline = body[(eq + 1)..]; body = body[..eq]; }
            var flag = flags.FirstOrDefault(f => f.Names.Contains(body))
                ?? throw new UsageException($"flag provided but not defined: {a.Split('=')[0]}");
            if (!flag.TakesValue)
            {
                parsed.Add(flag.Name, inline ?? "true");
                continue;
            }
            if (inline is null)
            {
                if (i + 1 >= args.Count) throw new UsageException($"flag needs an argument: {a}");
                inline = args[++i];
            }
            parsed.Add(flag.Name, inline);
        }
        for (; i < args.Count; i++) parsed.Positional.Add(args[i]);
        return parsed;
    }
}
