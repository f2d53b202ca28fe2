using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Spec;
using static Rlrun.Runtime.Interop.ProcessCalls;

namespace Rlrun.Runtime.Process;

/// <summary>Becomes process.user on the calling thread only (raw syscalls: glibc would change every
/// thread of the .NET runtime, and only this one survives execve).</summary>
public static class UserSwitch
{
    public static void Apply(SpecUser user, bool setgroupsAllowed)
    {
        var groups = user.AdditionalGids ?? [];
        if (setgroupsAllowed)
            SyscallException.Check(setgroups(groups.ToArray()), "setgroups", string.Join(',', groups));
        else if (groups.Count > 0)
            throw new InvalidOperationException("process.user.additionalGids: setgroups is denied in this user namespace (a single-ID mapping); add subordinate IDs in /etc/subgid");
        SyscallException.Check(setresgid(user.Gid, user.Gid, user.Gid), "setresgid", user.Gid.ToString());
        SyscallException.Check(setresuid(user.Uid, user.Uid, user.Uid), "setresuid", user.Uid.ToString());
    }
}
