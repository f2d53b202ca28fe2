namespace Rlrun.Images.Registry;

/// <summary>The parts of containers-registries.conf(5) that pull uses: unqualified-search-registries
/// (where short names are looked up, in order) and [[registry]] entries marked insecure (HTTP or
/// unverified TLS allowed) or blocked (never pulled from). Read as podman does: $CONTAINERS_REGISTRIES_CONF alone when set, else
/// ~/.config/containers/registries.conf when it exists, else /etc/containers/registries.conf; then
/// the registries.conf.d drop-ins beside it, in name order. The version 1 tables
/// ([registries.search], [registries.insecure], [registries.block]) are read too. An entry applies
/// to the images its prefix (else its location) names, the longest match winning, as podman
/// matches them; mirrors and a location other than the prefix (a rewrite) are not followed.</summary>
public sealed class RegistriesConf
{
    /// <summary>One [[registry]] entry: PREFIX is a registry, REGISTRY/NAMESPACE, or *.DOMAIN.</summary>
    public sealed record Entry(string Prefix, bool Insecure, bool Blocked, string Source);

    public List<string> SearchRegistries { get; } = [];
    public List<Entry> Registries { get; } = [];
    /// <summary>The files read, for messages.</summary>
    public List<string> Sources { get; } = [];

    public static RegistriesConf Load()
    {
        var conf = new RegistriesConf();
        if (Environment.GetEnvironmentVariable("CONTAINERS_REGISTRIES_CONF") is { Length: > 0 } only)
        {
            if (File.Exists(only)) conf.Read(only);
            return conf;
        }
        string? home = Environment.GetEnvironmentVariable("HOME");
        string configHome = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } x ? x
            : home is { Length: > 0 } ? Path.Join(home, ".config") : "";
        string user = configHome.Length > 0 ? Path.Join(configHome, "containers", "registries.conf") : "";
        string main = user.Length > 0 && File.Exists(user) ? user : "/etc/containers/registries.conf";
        if (File.Exists(main)) conf.Read(main);
        foreach (var dir in new[] { "/etc/containers/registries.conf.d", configHome.Length > 0 ? Path.Join(configHome, "containers", "registries.conf.d") : "" })
            if (dir.Length > 0 && Directory.Exists(dir))
                foreach (var f in Directory.GetFiles(dir, "*.conf").Order(StringComparer.Ordinal)) conf.Read(f);
        return conf;
    }

    /// <summary>The entry for REFERENCE (a registry, or REGISTRY/REPOSITORY): the longest prefix that
    /// matches it whole or up to a '/', ':' or '@'; a later file's entry for the same prefix replaces an earlier one.</summary>
    public Entry? Find(string reference)
    {
        Entry? best = null;
        int bestLength = -1;
        foreach (var e in Registries)
        {
            int n = MatchLength(reference, e.Prefix);
            if (n >= bestLength && n >= 0) { best = e; bestLength = n; }
        }
        return best;
    }

    static int MatchLength(string reference, string prefix)
    {
        if (prefix.StartsWith("*.", StringComparison.Ordinal))
        {
            // *.example.com: any host under example.com (not example.com itself).
            string host = reference.Split('/', 2)[0];
            int colon = host.LastIndexOf(':');
            if (colon > 0 && !host.Contains(']')) host = host[..colon];
            return host.EndsWith(prefix[1..], StringComparison.Ordinal) ? prefix.Length : -1;
        }
        if (reference.Length == prefix.Length) return reference == prefix ? prefix.Length : -1;
        if (reference.Length < prefix.Length || !reference.StartsWith(prefix, StringComparison.Ordinal)) return -1;
        return reference[prefix.Length] is '/' or ':' or '@' ? prefix.Length : -1;
    }

    public bool IsInsecure(string reference) => Find(reference)?.Insecure == true;

    /// <summary>The file that blocks REFERENCE, or null.</summary>
    public string? BlockedBy(string reference) => Find(reference) is { Blocked: true } e ? e.Source : null;

    /// <summary>Reads one file. A small TOML reader: tables, arrays of tables, strings, booleans and
    /// string arrays (also over several lines) are all registries.conf uses.</summary>
    public void Read(string path)
    {
        Sources.Add(path);
        string table = "";
        string? location = null, prefix = null;
        bool insecure = false, blocked = false;
        void EndRegistry()
        {
            if (table == "[[registry]]" && (prefix ?? location) is { Length: > 0 } p) Add(new Entry(p, insecure, blocked, path));
            location = prefix = null;
            insecure = blocked = false;
        }
        var lines = File.ReadAllLines(path);
        for (int i = 0; i < lines.Length; i++)
        {
            string line = StripComment(lines[i]).Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith('['))
            {
                EndRegistry();
                table = line.Replace(" ", "");
                continue;
            }
            int eq = line.IndexOf('=');
            if (eq < 0) throw new FormatException($"{path}:{i + 1}: expected KEY = VALUE");
            string key = line[..eq].Trim().Trim('"'), value = line[(eq + 1)..].Trim();
            // A multi-line array: read up to its closing bracket.
            while (value.StartsWith('[') && !value.Contains(']') && i + 1 < lines.Length) value += " " + StripComment(lines[++i]).Trim();
            switch (table, key)
            {
                case ("", "unqualified-search-registries"):
                case ("[registries.search]", "registries"):
                    SearchRegistries.Clear();
                    SearchRegistries.AddRange(StringArray(value, path, i + 1));
                    break;
                case ("[registries.insecure]", "registries"):
                    foreach (var r in StringArray(value, path, i + 1)) Add(new Entry(r, true, Find(r) is { Prefix: var p } e && p == r && e.Blocked, path));
                    break;
                case ("[registries.block]", "registries"):
                    foreach (var r in StringArray(value, path, i + 1)) Add(new Entry(r, Find(r) is { Prefix: var p } e && p == r && e.Insecure, true, path));
                    break;
                case ("[[registry]]", "location"): location = Unquote(value); break;
                case ("[[registry]]", "prefix"): prefix = Unquote(value); break;
                case ("[[registry]]", "insecure"): insecure = value == "true"; break;
                case ("[[registry]]", "blocked"): blocked = value == "true"; break;
            }
        }
        EndRegistry();
    }

    /// <summary>An entry replaces one of the same prefix (drop-ins override the main file, as podman merges them).</summary>
    void Add(Entry e)
    {
        Registries.RemoveAll(x => x.Prefix == e.Prefix);
        Registries.Add(e);
    }

    static string StripComment(string line)
    {
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            if (line[i] == '"') quoted = !quoted;
            else if (line[i] == '#' && !quoted) return line[..i];
        }
        return line;
    }

    static string Unquote(string v) => v.Length >= 2 && (v[0] == '"' || v[0] == '\'') ? v[1..^1] : v;

    static IEnumerable<string> StringArray(string value, string path, int line)
    {
        if (!value.StartsWith('[') || !value.EndsWith(']')) throw new FormatException($"{path}:{line}: expected an array of strings");
        return value[1..^1].Split(',').Select(s => Unquote(s.Trim())).Where(s => s.Length > 0).ToList();
    }
}
