using Rlrun.Runtime.Spec;

namespace Rlrun.Runtime.Cgroups;

/// <summary>One write to a cgroup v2 interface file. AtDefault: the value is what a new cgroup has
/// anyway (linux.resources.cpu.shares 1024 is the kernel's default weight although runc's formula
/// writes 39), so a cgroup whose parent lacks the controller behaves the same without the write.</summary>
public readonly record struct CgroupWrite(string File, string Value, bool AtDefault = false)
{
    /// <summary>The controller the file belongs to ("memory.max" -> "memory"); null for core files.</summary>
    public string? Controller => File.Split('.')[0] is var c && c is "cgroup" ? null : c;

    /// <summary>Whether the write leaves the file at the kernel's default (flagged, or the value is it).</summary>
    public bool IsKernelDefault => AtDefault || ResourceFiles.KernelDefaults.TryGetValue(File, out var d) && d == Value;

    // The same file and value are the same write, whatever the flag says of it.
    public bool Equals(CgroupWrite other) => File == other.File && Value == other.Value;
    public override int GetHashCode() => HashCode.Combine(File, Value);
}

/// <summary>linux.resources as cgroup v2 file writes, with runc's conversions (cpu.shares to
/// cpu.weight, swap as memory+swap, blkio weight to io.weight). Pure: unit-tested.</summary>
public static class ResourceFiles
{
    public static List<CgroupWrite> From(SpecResources? r)
    {
        var w = new List<CgroupWrite>();
        if (r is null) return w;
        if (r.Memory is { } m)
        {
            if (m.Reservation is long low && low != 0) w.Add(new("memory.low", Limit(low)));
            if (m.Limit is long limit && limit != 0) w.Add(new("memory.max", Limit(limit)));
            if (m.Swap is long swap && swap != 0)
            {
                // OCI's swap is memory+swap; v2's memory.swap.max is swap alone.
                string value = swap < 0 ? "max"
                    : m.Limit is long l and > 0 ? (swap >= l ? (swap - l).ToString() : throw new SpecError($"linux.resources.memory.swap ({swap}) is below memory.limit ({l})"))
                    : throw new SpecError("linux.resources.memory.swap needs memory.limit on cgroup v2");
                w.Add(new("memory.swap.max", value));
            }
            if (m.DisableOOMKiller == true) w.Add(new("memory.oom.group", "0"));
        }
        if (r.Cpu is { } c)
        {
            if (c.Shares is ulong shares && shares != 0) w.Add(new("cpu.weight", SharesToWeight(shares).ToString(), shares == DefaultShares));
            if (c.Quota is not null || c.Period is not null)
            {
                string quota = c.Quota is long q and > 0 ? q.ToString() : "max";
                w.Add(new("cpu.max", c.Period is ulong p and > 0 ? $"{quota} {p}" : quota, quota == "max" && c.Period is null or 0));
            }
            if (c.Burst is ulong burst) w.Add(new("cpu.max.burst", burst.ToString()));
            if (c.Idle is long idle) w.Add(new("cpu.idle", idle.ToString()));
            if (!string.IsNullOrEmpty(c.Cpus)) w.Add(new("cpuset.cpus", c.Cpus));
            if (!string.IsNullOrEmpty(c.Mems)) w.Add(new("cpuset.mems", c.Mems));
        }
        if (r.Pids is { Limit: var pids } && pids != 0) w.Add(new("pids.max", pids < 0 ? "max" : pids.ToString()));
        if (r.BlockIO is { } b)
        {
            if (b.Weight is ushort weight && weight != 0) w.Add(new("io.weight", BlkioToIoWeight(weight).ToString()));
            foreach (var d in b.WeightDevice ?? [])
                if (d.Weight is ushort dw) w.Add(new("io.weight", $"{d.Major}:{d.Minor} {BlkioToIoWeight(dw)}"));
            void Throttle(List<SpecThrottleDevice>? devices, string key)
            {
                foreach (var d in devices ?? []) w.Add(new("io.max", $"{d.Major}:{d.Minor} {key}={(d.Rate == 0 ? "max" : d.Rate.ToString())}"));
            }
            Throttle(b.ThrottleReadBpsDevice, "rbps");
            Throttle(b.ThrottleWriteBpsDevice, "wbps");
            Throttle(b.ThrottleReadIOPSDevice, "riops");
            Throttle(b.ThrottleWriteIOPSDevice, "wiops");
        }
        foreach (var h in r.HugepageLimits ?? []) w.Add(new($"hugetlb.{h.PageSize}.max", h.Limit.ToString()));
        foreach (var (file, value) in r.Unified ?? [])
        {
            if (file.Contains('/') || file.Contains("..")) throw new SpecError($"linux.resources.unified: invalid file name \"{file}\"");
            w.Add(new(file, value));
        }
        return w;
    }

    static string Limit(long v) => v < 0 ? "max" : v.ToString();

    /// <summary>cgroup v1's default cpu.shares, the kernel's default weight (cpu.weight 100 on v2):
    /// containerd's default spec and the CRI ask for it on every container.</summary>
    public const ulong DefaultShares = 1024;

    /// <summary>What a new cgroup v2 has in these files before anyone writes them.</summary>
    public static readonly IReadOnlyDictionary<string, string> KernelDefaults = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["cpu.weight"] = "100", ["cpu.max"] = "max 100000", ["cpu.idle"] = "0", ["cpu.max.burst"] = "0",
        ["memory.max"] = "max", ["memory.high"] = "max", ["memory.swap.max"] = "max",
        ["memory.low"] = "0", ["memory.min"] = "0", ["memory.oom.group"] = "0",
        ["pids.max"] = "max",
    };

    /// <summary>The writes to make in a cgroup whose parent offers <paramref name="available"/>
    /// (its cgroup.controllers): a write at the kernel's default needs no controller and is left
    /// out when its controller is not there; every other write stays, so a real limit still needs
    /// its controller and fails with the clear error. Where the controller is there, defaults are
    /// written as well (an update may have to bring a limit back to the default).</summary>
    public static (List<CgroupWrite> Writes, List<CgroupWrite> LeftOut) Applicable(IEnumerable<CgroupWrite> writes, IReadOnlySet<string> available)
    {
        var keep = new List<CgroupWrite>();
        var leftOut = new List<CgroupWrite>();
        foreach (var w in writes)
        {
            if (w.Controller is { } c && !available.Contains(c) && w.IsKernelDefault) leftOut.Add(w);
            else keep.Add(w);
        }
        return (keep, leftOut);
    }

    /// <summary>Whether any write asks for more than the kernel's defaults.</summary>
    public static bool AnyLimit(IEnumerable<CgroupWrite> writes) => writes.Any(w => !w.IsKernelDefault);

    /// <summary>runc's mapping of cpu.shares [2, 262144] onto cpu.weight [1, 10000].</summary>
    public static ulong SharesToWeight(ulong shares) => shares == 0 ? 0 : 1 + ((Math.Clamp(shares, 2, 262144) - 2) * 9999) / 262142;

    /// <summary>blkio.weight [10, 1000] onto io.weight [1, 10000].</summary>
    public static ulong BlkioToIoWeight(ushort weight) => weight == 0 ? 0 : 1 + ((ulong)Math.Clamp((int)weight, 10, 1000) - 10) * 9999 / 990;

    /// <summary>The controllers these writes need enabled in the parent's cgroup.subtree_control.</summary>
    public static SortedSet<string> Controllers(IEnumerable<CgroupWrite> writes) =>
        new(writes.Select(x => x.Controller).OfType<string>().Where(c => c is not "cgroup"), StringComparer.Ordinal);
}
