namespace Rlrun.Runtime.State;

/// <summary>/proc/PID/stat: the process state, its flags (field 9) and its start time (field 22),
/// which tells a living init from an unrelated process that got its PID later.</summary>
public readonly record struct ProcStat(char State, ulong StartTime, ulong Flags = 0)
{
    const ulong PF_EXITING = 0x4;

    /// <summary>In do_exit (PF_EXITING): it never runs its own code again, whatever the kernel
    /// still has to release for it (its files, its memory).</summary>
    public bool Exiting => (Flags & PF_EXITING) != 0;

    public static ProcStat? Read(int pid)
    {
        string text;
        try { text = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        // The command name is in parentheses and may itself hold spaces or parentheses.
        int close = text.LastIndexOf(')');
        if (close < 0) return null;
        var fields = text[(close + 2)..].Split(' ');
        if (fields.Length < 20 || !ulong.TryParse(fields[19], out ulong start)) return null;
        ulong.TryParse(fields[6], out ulong flags);
        return new ProcStat(fields[0][0], start, flags);
    }
}
