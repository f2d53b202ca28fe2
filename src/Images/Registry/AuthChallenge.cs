namespace Rlrun.Images.Registry;

/// <summary>A WWW-Authenticate header: its scheme (Basic or Bearer) and parameters
/// (realm, service, scope), as the distribution spec's token flow uses them.</summary>
public sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public string? this[string key] => Parameters.GetValueOrDefault(key);

    public static AuthChallenge? Parse(string? header)
    {
        if (string.IsNullOrWhiteSpace(header)) return null;
        header = header.Trim();
        int space = header.IndexOf(' ');
        string scheme = space < 0 ? header : header[..space];
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int i = space < 0 ? header.Length : space + 1;
        while (i < header.Length)
        {
            while (i < header.Length && (header[i] == ' ' || header[i] == ',')) i++;
            int eq = header.IndexOf('=', i);
            if (eq < 0) break;
            string key = header[i..eq].Trim();
            i = eq + 1;
            string value;
            if (i < header.Length && header[i] == '"')
            {
                var sb = new System.Text.StringBuilder();
                for (i++; i < header.Length && header[i] != '"'; i++)
                    sb.Append(header[i] == '\\' && i + 1 < header.Length ? header[++i] : header[i]);
                i++;
                value = sb.ToString();
            }
            else
            {
                int end = header.IndexOf(',', i);
                if (end < 0) end = header.Length;
                value = header[i..end].Trim();
                i = end;
            }
            parameters[key] = value;
        }
        return new AuthChallenge(scheme, parameters);
    }
}
