namespace Rlrun.Runtime.Spec;

// linux.resources (runtime-spec config-linux.md). Numbers are long where the spec allows -1 ("unlimited").

public sealed class SpecResources
{
    public List<SpecDeviceCgroup>? Devices { get; set; }
    public SpecMemory? Memory { get; set; }
    public SpecCpu? Cpu { get; set; }
    public SpecPids? Pids { get; set; }
    public SpecBlockIO? BlockIO { get; set; }
    public List<SpecHugepageLimit>? HugepageLimits { get; set; }
    public Dictionary<string, string>? Unified { get; set; }
    public System.Text.Json.JsonElement? Network { get; set; }
    public System.Text.Json.JsonElement? Rdma { get; set; }
}

public sealed class SpecDeviceCgroup
{
    public bool Allow { get; set; }
    public string? Type { get; set; }
    public long? Major { get; set; }
    public long? Minor { get; set; }
    public string? Access { get; set; }
}

public sealed class SpecMemory
{
    public long? Limit { get; set; }
    public long? Reservation { get; set; }
    public long? Swap { get; set; }
    public long? Kernel { get; set; }
    public long? KernelTCP { get; set; }
    public ulong? Swappiness { get; set; }
    public bool? DisableOOMKiller { get; set; }
    public bool? UseHierarchy { get; set; }
    public bool? CheckBeforeUpdate { get; set; }
}

public sealed class SpecCpu
{
    public ulong? Shares { get; set; }
    public long? Quota { get; set; }
    public ulong? Burst { get; set; }
    public ulong? Period { get; set; }
    public long? RealtimeRuntime { get; set; }
    public ulong? RealtimePeriod { get; set; }
    public string? Cpus { get; set; }
    public string? Mems { get; set; }
    public long? Idle { get; set; }
}

public sealed class SpecPids
{
    public long Limit { get; set; }
}

public sealed class SpecBlockIO
{
    public ushort? Weight { get; set; }
    public ushort? LeafWeight { get; set; }
    public List<SpecWeightDevice>? WeightDevice { get; set; }
    public List<SpecThrottleDevice>? ThrottleReadBpsDevice { get; set; }
    public List<SpecThrottleDevice>? ThrottleWriteBpsDevice { get; set; }
    public List<SpecThrottleDevice>? ThrottleReadIOPSDevice { get; set; }
    public List<SpecThrottleDevice>? ThrottleWriteIOPSDevice { get; set; }
}

public sealed class SpecWeightDevice
{
    public long Major { get; set; }
    public long Minor { get; set; }
    public ushort? Weight { get; set; }
    public ushort? LeafWeight { get; set; }
}

public sealed class SpecThrottleDevice
{
    public long Major { get; set; }
    public long Minor { get; set; }
    public ulong Rate { get; set; }
}

public sealed class SpecHugepageLimit
{
    public string PageSize { get; set; } = "";
    public ulong Limit { get; set; }
}
