using Rlrun.Runtime.Spec;

namespace Rlrun.Runtime.Process;

/// <summary>process.rlimits names and their RLIMIT_* numbers.</summary>
public static partial class Rlimits
{
    static readonly Dictionary<string, int> Numbers = new()
    {
        ["RLIMIT_CPU"] = 0, ["RLIMIT_FSIZE"] = 1, ["RLIMIT_DATA"] = 2, ["RLIMIT_STACK"] = 3, ["RLIMIT_CORE"] = 4,
        ["RLIMIT_RSS"] = 5, ["RLIMIT_NPROC"] = 6, ["RLIMIT_NOFILE"] = 7, ["RLIMIT_MEMLOCK"] = 8, ["RLIMIT_AS"] = 9,
        ["RLIMIT_LOCKS"] = 10, ["RLIMIT_SIGPENDING"] = 11, ["RLIMIT_MSGQUEUE"] = 12, ["RLIMIT_NICE"] = 13,
        ["RLIMIT_RTPRIO"] = 14, ["RLIMIT_RTTIME"] = 15,
    };

    public static bool IsKnown(string name) => Numbers.ContainsKey(name);

    // .NET reserves far more address space than it uses and starts threads lazily: these limits,
    // set while the init still runs managed code, make its next allocation or thread fail.
    static readonly HashSet<string> Starving = ["RLIMIT_AS", "RLIMIT_DATA", "RLIMIT_NPROC", "RLIMIT_RSS", "RLIMIT_MEMLOCK", "RLIMIT_STACK", "RLIMIT_SIGPENDING"];

    public static bool StarvesRuntime(string name) => Starving.Contains(name);

    /// <summary>Whether the limit's hard value is above the current one (raising it needs CAP_SYS_RESOURCE).</summary>
    public static bool RaisesHardLimit(SpecRlimit r)
    {
        if (Interop.ProcessCalls.getrlimit(NumberOf(r.Type), out var cur) < 0) return false;
        return r.Hard > cur.max;
    }

    public static int NumberOf(string name) => Numbers.TryGetValue(name, out int n) ? n : throw new SpecError($"unknown rlimit {name}");
}
