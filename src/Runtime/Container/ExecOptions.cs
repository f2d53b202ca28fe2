namespace Rlrun.Runtime.Container;

/// <summary>`exec`'s flags, as runc names them. Unset ones take the container's process defaults.</summary>
public sealed record ExecOptions(
    string Id,
    string? ProcessFile,
    IReadOnlyList<string> Args,
    string? Cwd = null,
    IReadOnlyList<string>? Env = null,
    string? User = null,
    IReadOnlyList<uint>? AdditionalGids = null,
    IReadOnlyList<string>? Caps = null,
    bool NoNewPrivs = false,
    bool Detach = false,
    string? PidFile = null,
    int PreserveFds = 0,
    bool Tty = false,
    string? ConsoleSocket = null,
    bool Debug = false);
