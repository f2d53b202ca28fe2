namespace Rlrun.Runtime.Signals;

/// <summary>Signal names and numbers as runc's kill takes them: "KILL", "SIGKILL", "9", "sigterm".</summary>
public static class SignalParser
{
    static readonly Dictionary<string, int> Numbers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HUP"] = 1, ["INT"] = 2, ["QUIT"] = 3, ["ILL"] = 4, ["TRAP"] = 5, ["ABRT"] = 6, ["IOT"] = 6, ["BUS"] = 7,
        ["FPE"] = 8, ["KILL"] = 9, ["USR1"] = 10, ["SEGV"] = 11, ["USR2"] = 12, ["PIPE"] = 13, ["ALRM"] = 14,
        ["TERM"] = 15, ["STKFLT"] = 16, ["CHLD"] = 17, ["CONT"] = 18, ["STOP"] = 19, ["TSTP"] = 20, ["TTIN"] = 21,
        ["TTOU"] = 22, ["URG"] = 23, ["XCPU"] = 24, ["XFSZ"] = 25, ["VTALRM"] = 26, ["PROF"] = 27, ["WINCH"] = 28,
        ["IO"] = 29, ["POLL"] = 29, ["PWR"] = 30, ["SYS"] = 31,
    };

    public const int SIGRTMIN = 34, SIGRTMAX = 64;

    public static int Parse(string text)
    {
        if (int.TryParse(text, out int n))
        {
            if (n is >= 1 and <= SIGRTMAX) return n;
            throw new ArgumentException($"invalid signal number {text}: must be within 1..{SIGRTMAX}");
        }
        string name = text.StartsWith("SIG", StringComparison.OrdinalIgnoreCase) ? text[3..] : text;
        if (Numbers.TryGetValue(name, out n)) return n;
        // RTMIN+N and RTMAX-N, as kill(1) writes them.
        if (name.StartsWith("RTMIN", StringComparison.OrdinalIgnoreCase) && Offset(name[5..], '+', out int plus) && SIGRTMIN + plus <= SIGRTMAX)
            return SIGRTMIN + plus;
        if (name.StartsWith("RTMAX", StringComparison.OrdinalIgnoreCase) && Offset(name[5..], '-', out int minus) && SIGRTMAX + minus >= SIGRTMIN)
            return SIGRTMAX + minus;
        throw new ArgumentException($"unknown signal \"{text}\"");
    }

    // RTMIN counts up and RTMAX counts down: "RTMIN+2", "RTMAX-1".
    static bool Offset(string rest, char sign, out int value)
    {
        value = 0;
        if (rest.Length == 0) return true;
        return rest[0] == sign && int.TryParse(rest, out value);
    }
}
