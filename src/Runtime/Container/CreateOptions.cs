namespace Rlrun.Runtime.Container;

/// <param name="Stdio">fds for the container's 0, 1 and 2 (the daemon's log pipes); null: ours</param>
/// <param name="Network">--network, -p, --dns, --add-host; null: config.json decides</param>
/// <param name="Prepared">the bundle's config in memory (an image run in this process): not read back</param>
/// <param name="AnyPty">a foreground process.terminal gets a pty even when the caller has no terminal
/// (the image form's -t, as podman's); else runc's rule: refused without one (HostTerminal)</param>
public sealed record CreateOptions(
    string Id,
    string Bundle,
    string? PidFile = null,
    string? ConsoleSocket = null,
    bool NoPivot = false,
    int PreserveFds = 0,
    bool Debug = false,
    string CgroupManager = "auto",
    IReadOnlyList<int>? Stdio = null,
    Rlrun.Runtime.Network.NetworkRequest? Network = null,
    PreparedBundle? Prepared = null,
    bool AnyPty = false);
