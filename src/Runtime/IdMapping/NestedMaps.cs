namespace Rlrun.Runtime.IdMapping;

/// <summary>The maps of a user namespace nested in the one rlrun runs in as its root (rlrun inside
/// a container, e.g. a CI runner): rlrun writes them itself, from the IDs the enclosing namespace
/// has (there are no subordinate ranges and no newuidmap in there). What the kernel allows decides:
/// maps of more than rlrun's own ID need CAP_SETUID / CAP_SETGID in the enclosing namespace, and,
/// since Linux 5.12, mapping its uid 0 at all needs CAP_SETFCAP there (verify_root_map).</summary>
public static class NestedMaps
{
    public const string SetfcapMissing =
        "rlrun runs as root in a user namespace it did not make (inside a container) without CAP_SETFCAP there: " +
        "the kernel (>= 5.12) lets only a holder of CAP_SETFCAP map uid 0 into a nested user namespace; " +
        "add CAP_SETFCAP to the outer container's process.capabilities (bounding, effective, permitted)";

    /// <summary>Every ID the enclosing namespace has, each to itself; only 0 -> 0 without CAP_SETUID/CAP_SETGID.</summary>
    public static (IReadOnlyList<IdMap> Uids, IReadOnlyList<IdMap> Gids, string Note) Default(EnclosingUserNamespace e)
    {
        if (!e.CanSetFcap) throw new NestedUserNamespaceException(SetfcapMissing);
        if (e.CanSetUid && e.CanSetGid && e.UidMap.Count > 0 && e.GidMap.Count > 0)
        {
            long n = e.UidMap.Sum(m => (long)m.Size);
            return (e.UsableUids, e.UsableGids,
                $"nested in a user namespace made by the caller: its {n} IDs, each to itself ({string.Join(", ", e.UidMap)} there)");
        }
        return ([new IdMap(0, 0, 1)], [new IdMap(0, 0, 1)],
            "nested in a user namespace made by the caller: only 0 -> 0 (no CAP_SETUID/CAP_SETGID there: other IDs cannot be used)");
    }

    /// <summary>config.json's own maps: refused here, with the capability that is missing, before the kernel says EPERM.</summary>
    public static void EnsureWritable(IReadOnlyList<IdMap> uids, IReadOnlyList<IdMap> gids, EnclosingUserNamespace e)
    {
        if (!e.CanSetFcap && uids.Any(m => m.HostId == 0))
            throw new NestedUserNamespaceException(SetfcapMissing);
        bool ownOnly(IReadOnlyList<IdMap> maps) => maps.Count == 1 && maps[0] is { HostId: 0, Size: 1 };
        if (!e.CanSetUid && !ownOnly(uids))
            throw new NestedUserNamespaceException("config.json: field linux.uidMappings: mapping more than uid 0 of the container rlrun runs in needs CAP_SETUID there: add it to the outer container's capabilities");
        if (!e.CanSetGid && !ownOnly(gids))
            throw new NestedUserNamespaceException("config.json: field linux.gidMappings: mapping more than gid 0 of the container rlrun runs in needs CAP_SETGID there: add it to the outer container's capabilities");
    }
}
