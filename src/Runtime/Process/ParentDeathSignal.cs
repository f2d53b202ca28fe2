namespace Rlrun.Runtime.Process;

/// <summary>A child spawned with <see cref="Entry"/> in its environment gets SIGTERM when the thread
/// that spawned it ends, and ends at once if its parent is gone before it could ask: the child's own
/// native constructor does it (src/Native/parentdeath.c), so only rlrun's binaries honour it.</summary>
public static class ParentDeathSignal
{
    public const string Variable = "_RLRUN_PARENT_DEATH";

    public static string Entry() => $"{Variable}={Environment.ProcessId}";
}
