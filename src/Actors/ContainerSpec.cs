using Rlrun.Runtime.Container;
using Rlrun.Runtime.Network;

namespace Rlrun.Actors;

/// <summary>What a supervised container is created from, again on every restart. Only what can be
/// repeated: a console socket or preserved fds are handed over once, so a restart could not pass
/// them again, and a supervised container has neither. Network: the flags of its network, parsed
/// again on every create, so a restart gets a new helper for its new network namespace and the same
/// ports (the old helper is stopped, its ports freed, when the delete before it ran).
/// Remove: delete it once it has stopped (`run -d --rm`); kept in the record, so a daemon that
/// adopts it after it stopped unwatched removes it too.</summary>
public sealed record ContainerSpec(
    string Id,
    string Bundle,
    bool NoPivot = false,
    string CgroupManager = "auto",
    string? PidFile = null,
    bool Debug = false,
    NetworkArgs? Network = null,
    bool Remove = false)
{
    public CreateOptions ToCreateOptions() =>
        new(Id, Bundle, PidFile: PidFile, NoPivot: NoPivot, Debug: Debug, CgroupManager: CgroupManager, Network: Network?.ToRequest());
}
