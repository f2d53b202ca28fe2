namespace Rlrun.Runtime.IdMapping;

/// <summary>One line of a uid_map or gid_map: container IDs [ContainerId, ContainerId+Size) are host
/// IDs [HostId, HostId+Size).</summary>
public readonly record struct IdMap(uint ContainerId, uint HostId, uint Size)
{
    public override string ToString() => $"{ContainerId} {HostId} {Size}";
}

/// <summary>A /etc/subuid or /etc/subgid range.</summary>
public readonly record struct SubordinateRange(uint Start, uint Count);
