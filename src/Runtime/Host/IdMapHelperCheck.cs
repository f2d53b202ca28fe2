using Rlrun.Runtime.IdMapping;
using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Host;

/// <summary>What is known of newuidmap or newgidmap: where IdMapWriter would find it (PATH, then
/// /usr/bin, /bin, /usr/sbin, /sbin, /usr/local/bin), its mode and owner, its security.capability
/// xattr. Path null: not found. StatError: it was found but could not be looked at.</summary>
public sealed record IdMapHelperFacts(string Helper, bool IsRoot, string? Path, uint Mode, uint OwnerUid,
    byte[]? CapabilityXattr, string? StatError = null)
{
    public static IdMapHelperFacts Gather(string helper, CheckUser user)
    {
        string? path = IdMapWriter.FindHelper(helper);
        if (path is null) return new(helper, user.IsRoot, null, 0, 0, null);
        if (FileCalls.stat(path, out var st) != 0)
            return new(helper, user.IsRoot, path, 0, 0, null, $"stat: {Libc.StrError(Libc.LastErrno)}");
        byte[]? caps;
        try { caps = XattrCalls.Get(path, FileCapabilities.XattrName); }
        catch (SyscallException e) { return new(helper, user.IsRoot, path, st.st_mode, st.st_uid, null, e.Message); }
        return new(helper, user.IsRoot, path, st.st_mode, st.st_uid, caps);
    }
}

/// <summary>Whether newuidmap/newgidmap can write the maps that give a container the user's
/// subordinate IDs: present, and setuid root or holding CAP_SETUID/CAP_SETGID as a file capability.
/// Without them rlrun maps only the user's own ID; root writes its maps itself.</summary>
public static class IdMapHelperCheck
{
    const uint S_ISUID = 0x800;
    const string InstallFix = "apt-get install uidmap";

    public static CheckResult Evaluate(IdMapHelperFacts f)
    {
        string name = f.Helper;
        bool uid = name == "newuidmap";
        string capName = uid ? "cap_setuid" : "cap_setgid";
        int cap = uid ? FileCapabilities.CAP_SETUID : FileCapabilities.CAP_SETGID;

        if (f.Path is null)
        {
            if (f.IsRoot) return CheckResult.Ok(name, "not installed; not needed as root (root writes its ID maps itself)");
            return CheckResult.Warn(name, $"not found on PATH or in /usr/bin, /bin, /usr/sbin, /sbin, /usr/local/bin: rlrun maps only your own {(uid ? "uid" : "gid")} (no subordinate IDs in the container)", InstallFix);
        }
        if (f.StatError is not null)
        {
            string seen = $"{f.Path}: {f.StatError}";
            return f.IsRoot ? CheckResult.Ok(name, $"{seen}; not needed as root") : CheckResult.Warn(name, seen, "apt-get install --reinstall uidmap");
        }

        var caps = f.CapabilityXattr is { } x ? FileCapabilities.Parse(x) : null;
        string how;
        if ((f.Mode & S_ISUID) != 0 && f.OwnerUid == 0) how = "setuid root";
        else if (caps is { } c && c.Has(cap) && c.Effective) how = $"file capability {capName}+ep";
        else
        {
            string mode = $"mode {Convert.ToString(f.Mode & 0xFFF, 8).PadLeft(4, '0')}, owner uid {f.OwnerUid}";
            string capText = caps is not null ? $", file capabilities without {capName}+ep" : ", no file capabilities";
            if (f.IsRoot) return CheckResult.Ok(name, $"{f.Path} is neither setuid root nor has {capName} ({mode}{capText}); not needed as root");
            return CheckResult.Fail(name, $"{f.Path} is neither setuid root nor has {capName} ({mode}{capText}): mapping your subordinate IDs fails",
                $"chown root {f.Path} && chmod u+s {f.Path}\nor: setcap {capName}+ep {f.Path}\nor: apt-get install --reinstall uidmap");
        }
        return CheckResult.Ok(name, f.IsRoot ? $"{f.Path} ({how}); not needed as root" : $"{f.Path} ({how})");
    }
}
