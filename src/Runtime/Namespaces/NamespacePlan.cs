using System.Text;
using Rlrun.Runtime.Spec;
using static Rlrun.Runtime.Interop.NamespaceCalls;

namespace Rlrun.Runtime.Namespaces;

/// <summary>The namespaces stage 1 creates (unshare) or joins (setns by path), and the message
/// that tells it so. The user namespace is separate: it needs the map exchange with stage 0.</summary>
public sealed record NamespacePlan(bool NewUser, int UnshareFlags, IReadOnlyList<(int Type, string Path)> Joins)
{
    public static readonly Dictionary<string, int> Flags = new()
    {
        ["user"] = CLONE_NEWUSER, ["mount"] = CLONE_NEWNS, ["pid"] = CLONE_NEWPID, ["uts"] = CLONE_NEWUTS,
        ["ipc"] = CLONE_NEWIPC, ["network"] = CLONE_NEWNET, ["cgroup"] = CLONE_NEWCGROUP, ["time"] = CLONE_NEWTIME,
    };

    public bool Creates(string type) => type == "user" ? NewUser : (UnshareFlags & Flags[type]) != 0;
    public bool JoinsExisting(string type) => Joins.Any(j => j.Type == Flags[type]);

    /// <param name="addUserNamespace">rlrun adds a user namespace the config did not ask for</param>
    public static NamespacePlan From(OciSpec spec, bool createUserNamespace)
    {
        int unshare = 0;
        var joins = new List<(int, string)>();
        foreach (var ns in spec.Linux?.Namespaces ?? [])
        {
            int flag = Flags[ns.Type];
            if (ns.Path is { Length: > 0 } path) joins.Add((flag, path));
            else if (flag != CLONE_NEWUSER) unshare |= flag;
        }
        // The user namespace is joined first: it owns what the others are joined as.
        joins.Sort((a, b) => (b.Item1 == CLONE_NEWUSER).CompareTo(a.Item1 == CLONE_NEWUSER));
        return new NamespacePlan(createUserNamespace, unshare, joins);
    }

    /// <summary>The FRAME_PLAN payload nsstage.c parses: NUL-terminated key=value items.</summary>
    public byte[] Encode()
    {
        var sb = new StringBuilder();
        sb.Append("userns=").Append(NewUser ? 1 : 0).Append('\0');
        sb.Append("unshare=").Append(UnshareFlags).Append('\0');
        foreach (var (type, path) in Joins) sb.Append("join=").Append(type).Append(':').Append(path).Append('\0');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
