using System.Text;

namespace Rlrun.Runtime.Host;

/// <summary>A socket a D-Bus address names: a path, or a name in the abstract namespace.</summary>
public sealed record UnixSocketAddress(string Path, bool Abstract)
{
    public override string ToString() => Abstract ? $"unix:abstract={Path}" : $"unix:path={Path}";
}

/// <summary>D-Bus server addresses ("unix:path=/run/user/1000/bus,guid=...;tcp:host=..."):
/// the unix sockets a client may connect to, in order. Values are %XX-escaped.</summary>
public static class DbusAddress
{
    public static List<UnixSocketAddress> UnixSockets(string address)
    {
        var result = new List<UnixSocketAddress>();
        foreach (var entry in address.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = entry.IndexOf(':');
            if (colon < 0 || entry[..colon] != "unix") continue;
            foreach (var pair in entry[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = pair.IndexOf('=');
                if (eq < 0) continue;
                string key = pair[..eq], value = Unescape(pair[(eq + 1)..]);
                if (value.Length == 0) continue;
                if (key == "path") result.Add(new UnixSocketAddress(value, false));
                else if (key == "abstract") result.Add(new UnixSocketAddress(value, true));
            }
        }
        return result;
    }

    static string Unescape(string value)
    {
        if (!value.Contains('%')) return value;
        var bytes = new List<byte>();
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == '%' && i + 2 < value.Length &&
                byte.TryParse(value.AsSpan(i + 1, 2), System.Globalization.NumberStyles.HexNumber, null, out byte b))
            {
                bytes.Add(b);
                i += 2;
            }
            else bytes.AddRange(Encoding.UTF8.GetBytes(value[i].ToString()));
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
