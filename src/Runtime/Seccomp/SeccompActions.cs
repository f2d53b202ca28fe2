using Rlrun.Runtime.Spec;

namespace Rlrun.Runtime.Seccomp;

/// <summary>The runtime spec's seccomp names as libseccomp's numbers: actions, comparison operators
/// and flags. Pure: unit-tested without loading anything.</summary>
public static class SeccompActions
{
    public const uint KillThread = 0x00000000, KillProcess = 0x80000000, Trap = 0x00030000, Notify = 0x7fc00000,
        Log = 0x7ffc0000, Allow = 0x7fff0000;
    public const uint Eperm = 1;

    public static uint Errno(uint code) => 0x00050000 | (code & 0xffff);
    public static uint Trace(uint code) => 0x7ff00000 | (code & 0xffff);

    public static readonly string[] ActionNames =
        ["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
         "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"];

    public static readonly string[] OperatorNames =
        ["SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"];

    public static readonly string[] FlagNames =
        ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"];

    /// <param name="errnoRet">errnoRet of the rule (or defaultErrnoRet); EPERM when absent, as runc</param>
    public static uint Action(string name, uint? errnoRet, string field) => name switch
    {
        "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => KillThread,
        "SCMP_ACT_KILL_PROCESS" => KillProcess,
        "SCMP_ACT_TRAP" => Trap,
        "SCMP_ACT_ERRNO" => Errno(errnoRet ?? Eperm),
        "SCMP_ACT_TRACE" => Trace(errnoRet ?? Eperm),
        "SCMP_ACT_ALLOW" => Allow,
        "SCMP_ACT_LOG" => Log,
        "SCMP_ACT_NOTIFY" => Notify,
        _ => throw new SpecError($"{field}: unknown seccomp action \"{name}\""),
    };

    public static uint Operator(string name, string field)
    {
        int i = Array.IndexOf(OperatorNames, name);
        return i >= 0 ? (uint)i + 1 : throw new SpecError($"{field}: unknown seccomp operator \"{name}\"");
    }

    /// <summary>"SCMP_ARCH_X86_64" as libseccomp names it: "x86_64".</summary>
    public static string ArchName(string specName) =>
        (specName.StartsWith("SCMP_ARCH_") ? specName[10..] : specName).ToLowerInvariant();
}
