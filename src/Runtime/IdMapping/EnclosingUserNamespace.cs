namespace Rlrun.Runtime.IdMapping;

/// <summary>The user namespace rlrun itself runs in when that is not the initial one (rlrun inside
/// a container): the IDs usable in it (the first and third columns of /proc/self/uid_map and
/// gid_map), and the capabilities rlrun has there that decide which maps it may write for a
/// nested user namespace.</summary>
public sealed record EnclosingUserNamespace(IReadOnlyList<IdMap> UidMap, IReadOnlyList<IdMap> GidMap,
    bool CanSetUid, bool CanSetGid, bool CanSetFcap)
{
    public const int CapSetgid = 6, CapSetuid = 7, CapSysAdmin = 21, CapSetfcap = 31;

    /// <summary>The IDs this namespace maps, as ranges of its own IDs (identity: each is itself).</summary>
    public IReadOnlyList<IdMap> UsableUids => UidMap.Select(m => new IdMap(m.ContainerId, m.ContainerId, m.Size)).ToList();
    public IReadOnlyList<IdMap> UsableGids => GidMap.Select(m => new IdMap(m.ContainerId, m.ContainerId, m.Size)).ToList();

    /// <summary>Null when /proc/self cannot be read.</summary>
    public static EnclosingUserNamespace? Read()
    {
        try
        {
            ulong caps = EffectiveCapabilities(File.ReadAllText("/proc/self/status"));
            return new EnclosingUserNamespace(ParseMap(File.ReadAllText("/proc/self/uid_map")), ParseMap(File.ReadAllText("/proc/self/gid_map")),
                Has(caps, CapSetuid), Has(caps, CapSetgid), Has(caps, CapSetfcap));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public static bool Has(ulong caps, int cap) => (caps & (1UL << cap)) != 0;

    /// <summary>Lines "inside outside count" of a uid_map or gid_map; malformed lines are skipped.</summary>
    public static List<IdMap> ParseMap(string text)
    {
        var maps = new List<IdMap>();
        foreach (var line in text.Split('\n'))
        {
            var f = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 3 && uint.TryParse(f[0], out uint inside) && uint.TryParse(f[1], out uint outside) && uint.TryParse(f[2], out uint count))
                maps.Add(new IdMap(inside, outside, count));
        }
        return maps;
    }

    /// <summary>CapEff of /proc/PID/status (hex); 0 when absent.</summary>
    public static ulong EffectiveCapabilities(string status)
    {
        foreach (var line in status.Split('\n'))
            if (line.StartsWith("CapEff:") && ulong.TryParse(line[7..].Trim(), System.Globalization.NumberStyles.HexNumber, null, out ulong caps))
                return caps;
        return 0;
    }
}

/// <summary>The enclosing container forbids the nested user namespace rlrun was asked for.</summary>
public sealed class NestedUserNamespaceException(string message) : Exception(message);
