using Rlrun.Runtime.Spec;

namespace Rlrun.Runtime.Process;

/// <summary>process.rlimits names and their RLIMIT_* numbers.</summary>
public static class Rlimits
{
    static readonly Dictionary<string, int> Numbers = new()
    {
        ["RLIMIT_CPU"] = 0, ["RLIMIT_FSIZE"] = 1, ["RLIMIT_DATA"] = 2, ["RLIMIT_STACK"] = 3, ["RLIMIT_CORE"] = 4,
        ["RLIMIT_RSS"] = 5, ["RLIMIT_NPROC"] = 6, ["RLIMIT_NOFILE"] = 7, ["RLIMIT_MEMLOCK"] = 8, ["RLIMIT_AS"] = 9,
        ["RLIMIT_LOCKS"] = 10, ["RLIMIT_SIGPENDING"] = 11, ["RLIMIT_MSGQUEUE"] = 12, ["RLIMIT_NICE"] = 13,
        ["RLIMIT_RTPRIO"] = 14, ["RLIMIT_RTTIME"] = 15,
    };

    public static bool IsKnown(string name) => Numbers.ContainsKey(name);

    public static int NumberOf(string name) => Numbers.TryGetValue(name, out int n) ? n : throw new SpecError($"unknown rlimit {name}");
}
