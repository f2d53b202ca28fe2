namespace Rlrun.Runtime.Container;

/// <param name="Stdio">fds for the container's 0, 1 and 2 (the daemon's log pipes); null: ours</param>
public sealed record CreateOptions(
    string Id,
    string Bundle,
    string? PidFile = null,
    string? ConsoleSocket = null,
    bool NoPivot = false,
    int PreserveFds = 0,
    bool Debug = false,
    string CgroupManager = "auto",
    IReadOnlyList<int>? Stdio = null);
