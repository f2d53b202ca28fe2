using System.Globalization;

namespace Rlrun.Systemd;

/// <summary>
/// The unit properties rlrun puts on a transient scope, with the D-Bus signatures systemd
/// expects, and the conversions from OCI resource values that runc's systemd driver uses.
/// </summary>
public static class UnitProperties
{
    /// <summary>"infinity" for the 't' limits (UINT64_MAX, systemd's CGROUP_LIMIT_MAX / USEC_INFINITY).</summary>
    public const ulong Infinity = ulong.MaxValue;

    /// <summary>Delegate=yes: the cgroup subtree below the unit belongs to its processes' user.</summary>
    public static UnitProperty Delegate(bool value = true) => UnitProperty.Bool("Delegate", value);

    /// <summary>PIDs (au): the processes a scope takes in (they must exist; for a user manager
    /// they must also lie in its cgroup tree).</summary>
    public static UnitProperty Pids(params int[] pids) => Pids((IEnumerable<int>)pids);

    public static UnitProperty Pids(IEnumerable<int> pids) =>
        UnitProperty.UInt32s("PIDs", pids.Select(p => p > 0 ? (uint)p : throw new ArgumentOutOfRangeException(nameof(pids), p, "a PID is > 0")));

    public static UnitProperty Slice(string slice) => UnitProperty.String("Slice", slice);
    public static UnitProperty Description(string text) => UnitProperty.String("Description", text);
    public static UnitProperty DefaultDependencies(bool value) => UnitProperty.Bool("DefaultDependencies", value);

    /// <summary>CollectMode=inactive-or-failed: a failed scope is unloaded at once (no
    /// ResetFailedUnit needed before reusing its name).</summary>
    public static UnitProperty CollectMode(string mode = "inactive-or-failed") => UnitProperty.String("CollectMode", mode);

    public static UnitProperty MemoryMax(ulong bytes) => UnitProperty.UInt64("MemoryMax", bytes);
    public static UnitProperty MemoryHigh(ulong bytes) => UnitProperty.UInt64("MemoryHigh", bytes);
    public static UnitProperty MemoryLow(ulong bytes) => UnitProperty.UInt64("MemoryLow", bytes);
    public static UnitProperty MemoryMin(ulong bytes) => UnitProperty.UInt64("MemoryMin", bytes);
    public static UnitProperty MemorySwapMax(ulong bytes) => UnitProperty.UInt64("MemorySwapMax", bytes);
    public static UnitProperty TasksMax(ulong count) => UnitProperty.UInt64("TasksMax", count);
    public static UnitProperty CpuQuotaPerSecUSec(ulong usec) => UnitProperty.UInt64("CPUQuotaPerSecUSec", usec);
    public static UnitProperty CpuQuotaPeriodUSec(ulong usec) => UnitProperty.UInt64("CPUQuotaPeriodUSec", usec);
    /// <summary>CPUWeight, 1..10000 (cgroup v2 cpu.weight).</summary>
    public static UnitProperty CpuWeight(ulong weight) => UnitProperty.UInt64("CPUWeight", weight);
    /// <summary>IOWeight, 1..10000 (cgroup v2 io.weight).</summary>
    public static UnitProperty IOWeight(ulong weight) => UnitProperty.UInt64("IOWeight", weight);
    public static UnitProperty TimeoutStopUSec(ulong usec) => UnitProperty.UInt64("TimeoutStopUSec", usec);

    /// <summary>AllowedCPUs from a cpuset list such as "0-3,8" (ay bitmask).</summary>
    public static UnitProperty AllowedCpus(string cpuList) => UnitProperty.Bytes("AllowedCPUs", CpuListToMask(cpuList));

    /// <summary>AllowedMemoryNodes from a list such as "0,1" (ay bitmask).</summary>
    public static UnitProperty AllowedMemoryNodes(string nodeList) => UnitProperty.Bytes("AllowedMemoryNodes", CpuListToMask(nodeList));

    /// <summary>
    /// A cpuset list ("0-3,8", whitespace allowed around items) as systemd's D-Bus bitmask: byte
    /// i/8, bit i%8 set for CPU i (little-endian bit order, as systemd's cpu_set_to_dbus and
    /// runc's RangeToBits). An empty list is an empty array.
    /// </summary>
    public static byte[] CpuListToMask(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var bits = new List<int>();
        foreach (var raw in list.Split(','))
        {
            var item = raw.Trim();
            if (item.Length == 0)
            {
                if (list.Trim().Length == 0) continue;
                throw new FormatException($"cpu list '{list}': empty item");
            }
            int dash = item.IndexOf('-');
            int lo, hi;
            if (dash < 0)
            {
                lo = hi = ParseCpu(item, list);
            }
            else
            {
                lo = ParseCpu(item[..dash].Trim(), list);
                hi = ParseCpu(item[(dash + 1)..].Trim(), list);
                if (hi < lo) throw new FormatException($"cpu list '{list}': range {item} ends before it starts");
            }
            for (int c = lo; c <= hi; c++) bits.Add(c);
        }
        if (bits.Count == 0) return [];
        var mask = new byte[bits.Max() / 8 + 1];
        foreach (var c in bits) mask[c / 8] |= (byte)(1 << (c % 8));
        return mask;
    }

    private const int MaxCpu = 8192 - 1;

    private static int ParseCpu(string s, string list)
    {
        if (s.Length == 0 || !s.All(char.IsAsciiDigit) ||
            !int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v > MaxCpu)
            throw new FormatException($"cpu list '{list}': '{s}' is not a CPU number (0..{MaxCpu})");
        return v;
    }

    /// <summary>
    /// CPUQuotaPerSecUSec from OCI cpu.quota/cpu.period (runc's rule): quota &lt;= 0 is infinity;
    /// period 0 means 100000; quota*1e6/period rounded up to a multiple of 10 ms, because systemd
    /// keeps the quota as a whole percentage.
    /// </summary>
    public static ulong CpuQuotaPerSecUSecFromOci(long quota, ulong period)
    {
        if (quota <= 0) return Infinity;
        if (period == 0) period = 100_000;
        ulong perSec = (ulong)quota * 1_000_000UL / period;
        if (perSec % 10_000 != 0) perSec = (perSec / 10_000 + 1) * 10_000;
        return perSec;
    }

    /// <summary>cgroup v1 cpu.shares (2..262144) to cgroup v2 cpu.weight (1..10000), the
    /// conversion runc and crun use; 0 (unset) stays 0.</summary>
    public static ulong CpuWeightFromShares(ulong shares)
    {
        if (shares == 0) return 0;
        if (shares < 2) shares = 2;
        if (shares > 262_144) shares = 262_144;
        return 1 + (shares - 2) * 9999 / 262_142;
    }

    /// <summary>cgroup v1 blkio.weight (10..1000) to cgroup v2 io.weight (1..10000); 0 stays 0.</summary>
    public static ulong IOWeightFromBlkioWeight(ulong weight)
    {
        if (weight == 0) return 0;
        if (weight < 10) weight = 10;
        if (weight > 1000) weight = 1000;
        return 1 + (weight - 10) * 9999 / 990;
    }
}
