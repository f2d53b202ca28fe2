using Rlrun.Runtime.Container;
using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Host;

/// <summary>Who `rlrun check` checks for: the effective uid and its name in /etc/passwd.</summary>
public sealed record CheckUser(uint Uid, uint Gid, string? Name)
{
    public bool IsRoot => Uid == 0;

    /// <summary>The name for commands such as `loginctl enable-linger NAME` (the uid without a name).</summary>
    public string Display => Name ?? Uid.ToString();

    public static CheckUser Current()
    {
        uint uid = ProcessCalls.geteuid();
        return new CheckUser(uid, ProcessCalls.getegid(), CallerInfo.UserName(uid));
    }
}
