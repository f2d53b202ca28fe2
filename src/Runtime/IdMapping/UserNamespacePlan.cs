namespace Rlrun.Runtime.IdMapping;

/// <summary>What stage 0 does about the user namespace: whether stage 1 creates one, which maps it
/// writes, and with what. Note says why, for --debug.</summary>
public sealed record UserNamespacePlan(
    bool Create,
    IReadOnlyList<IdMap> UidMap,
    IReadOnlyList<IdMap> GidMap,
    bool UseHelpers,
    bool SetgroupsAllowed,
    string Note)
{
    public static readonly UserNamespacePlan None = new(false, [], [], false, true, "no user namespace");

    /// <summary>Container IDs the maps make usable (for checks such as process.user.uid).</summary>
    public bool MapsUid(uint uid) => UidMap.Any(m => uid >= m.ContainerId && uid - m.ContainerId < m.Size);
    public bool MapsGid(uint gid) => GidMap.Any(m => gid >= m.ContainerId && gid - m.ContainerId < m.Size);
}
