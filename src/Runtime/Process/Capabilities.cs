namespace Rlrun.Runtime.Process;

/// <summary>Capability names (CAP_*) and numbers, and the five sets as bit masks.</summary>
public static class Capabilities
{
    public static readonly string[] Names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    public static int? NumberOf(string name)
    {
        int i = Array.IndexOf(Names, name.ToUpperInvariant());
        return i >= 0 ? i : null;
    }

    /// <summary>The mask of the named caps that this kernel knows; the unknown ones are returned to warn about.</summary>
    public static ulong MaskOf(IEnumerable<string>? names, int lastCap, List<string> unknown)
    {
        ulong mask = 0;
        foreach (var name in names ?? [])
        {
            if (NumberOf(name) is int n && n <= lastCap) mask |= 1UL << n;
            else if (!unknown.Contains(name)) unknown.Add(name);
        }
        return mask;
    }

    public static int LastCap()
    {
        try { return int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim()); }
        catch (Exception) { return Names.Length - 1; }
    }
}
