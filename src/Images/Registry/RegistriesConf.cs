namespace Rlrun.Images.Registry;

/// <summary>The parts of containers-registries.conf(5) that pull uses: unqualified-search-registries
/// (where short names are looked up, in order) and [[registry]] entries marked insecure (HTTP or
/// unverified TLS allowed). Read as podman does: $CONTAINERS_REGISTRIES_CONF alone when set, else
/// ~/.config/containers/registries.conf when it exists, else /etc/containers/registries.conf; then
/// the registries.conf.d drop-ins beside it, in name order. The version 1 tables
/// ([registries.search], [registries.insecure]) are read too.</summary>
public sealed class RegistriesConf
{
    public List<string> SearchRegistries { get; } = [];
    public HashSet<string> Insecure { get; } = [];
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

    public bool IsInsecure(string registry) => Insecure.Contains(registry);

    /// <summary>Reads one file. A small TOML reader: tables, arrays of tables, strings, booleans and
    /// string arrays (also over several lines) are all registries.conf uses.</summary>
    public void Read(string path)
    {
        Sources.Add(path);
        string table = "";
        string? location = null;
        bool insecure = false;
        void EndRegistry()
        {
            if (table == "[[registry]]" && location is not null && insecure) Insecure.Add(location);
            location = null;
            insecure = false;
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
                    foreach (var r in StringArray(value, path, i + 1)) Insecure.Add(r);
                    break;
                case ("[[registry]]", "location"): location = Unquote(value); break;
                case ("[[registry]]", "insecure"): insecure = value == "true"; break;
            }
        }
        EndRegistry();
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
