using static Rlrun.Runtime.Interop.MountCalls;

namespace Rlrun.Runtime.Rootfs;

/// <summary>A mount's options split the way mount(2) wants them: flags, propagation, and the
/// filesystem-specific rest as the data string.</summary>
public sealed record MountOptions(ulong Flags, ulong ClearedFlags, ulong Propagation, bool Bind, bool Recursive,
    string? Data)
{
    static readonly Dictionary<string, (bool Clear, ulong Flag)> FlagOptions = new()
    {
        ["ro"] = (false, MS_RDONLY), ["rw"] = (true, MS_RDONLY),
        ["nosuid"] = (false, MS_NOSUID), ["suid"] = (true, MS_NOSUID),
        ["nodev"] = (false, MS_NODEV), ["dev"] = (true, MS_NODEV),
        ["noexec"] = (false, MS_NOEXEC), ["exec"] = (true, MS_NOEXEC),
        ["sync"] = (false, MS_SYNCHRONOUS), ["async"] = (true, MS_SYNCHRONOUS),
        ["dirsync"] = (false, MS_DIRSYNC), ["remount"] = (false, MS_REMOUNT),
        ["mand"] = (false, MS_MANDLOCK), ["nomand"] = (true, MS_MANDLOCK),
        ["atime"] = (true, MS_NOATIME), ["noatime"] = (false, MS_NOATIME),
        ["diratime"] = (true, MS_NODIRATIME), ["nodiratime"] = (false, MS_NODIRATIME),
        ["relatime"] = (false, MS_RELATIME), ["norelatime"] = (true, MS_RELATIME),
        ["strictatime"] = (false, MS_STRICTATIME), ["nostrictatime"] = (true, MS_STRICTATIME),
        ["lazytime"] = (false, MS_LAZYTIME), ["nolazytime"] = (true, MS_LAZYTIME),
        ["nosymfollow"] = (false, MS_NOSYMFOLLOW), ["symfollow"] = (true, MS_NOSYMFOLLOW),
    };

    static readonly Dictionary<string, ulong> PropagationOptions = new()
    {
        ["private"] = MS_PRIVATE, ["rprivate"] = MS_PRIVATE | MS_REC,
        ["slave"] = MS_SLAVE, ["rslave"] = MS_SLAVE | MS_REC,
        ["shared"] = MS_SHARED, ["rshared"] = MS_SHARED | MS_REC,
        ["unbindable"] = MS_UNBINDABLE, ["runbindable"] = MS_UNBINDABLE | MS_REC,
    };

    // Options that are for the runtime, not the kernel: accepted and not passed as data.
    static readonly HashSet<string> RuntimeOnly = ["tmpcopyup", "notmpcopyup", "defaults", "copy-symlink", "z", "Z", "U"];

    public static bool IsPropagation(string option) => PropagationOptions.ContainsKey(option);

    public static ulong PropagationOf(string option) => PropagationOptions[option];

    public static MountOptions Parse(IEnumerable<string>? options, string? type = null)
    {
        ulong flags = 0, cleared = 0, propagation = 0;
        bool bind = type == "bind", recursive = false;
        var data = new List<string>();
        foreach (var o in options ?? [])
        {
            if (o is "bind") bind = true;
            else if (o is "rbind") { bind = true; recursive = true; }
            else if (FlagOptions.TryGetValue(o, out var f))
            {
                if (f.Clear) { flags &= ~f.Flag; cleared |= f.Flag; }
                else { flags |= f.Flag; cleared &= ~f.Flag; }
            }
            else if (PropagationOptions.TryGetValue(o, out ulong p)) propagation = p;
            else if (!RuntimeOnly.Contains(o)) data.Add(o);
        }
        return new MountOptions(flags, cleared, propagation, bind, recursive, data.Count > 0 ? string.Join(',', data) : null);
    }
}
