using Rlrun.Runtime.Container;

namespace Rlrun.Actors;

/// <summary>What a supervised container is created from, again on every restart. Only what can be
/// repeated: a console socket or preserved fds are handed over once, so a restart could not pass
/// them again, and a supervised container has neither.</summary>
public sealed record ContainerSpec(
    string Id,
    string Bundle,
    bool NoPivot = false,
    string CgroupManager = "auto",
    string? PidFile = null,
    bool Debug = false)
{
    public CreateOptions ToCreateOptions() =>
        new(Id, Bundle, PidFile: PidFile, NoPivot: NoPivot, Debug: Debug, CgroupManager: CgroupManager);
}
