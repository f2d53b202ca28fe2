using System.Text.Json;
using static Rlrun.Runtime.Spec.JsonTokens;

namespace Rlrun.Runtime.Spec;

// linux.resources: in config.json and, alone, in `update -r FILE`.
public static partial class SpecJsonReader
{
    static SpecResources Resources(ref Utf8JsonReader r)
    {
        var s = new SpecResources();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "devices": s.Devices = List(ref r, DeviceCgroup); break;
                case "memory": s.Memory = IsNull(ref r) ? null : Memory(ref r); break;
                case "cpu": s.Cpu = IsNull(ref r) ? null : Cpu(ref r); break;
                case "pids": s.Pids = IsNull(ref r) ? null : Pids(ref r); break;
                case "blockIO": s.BlockIO = IsNull(ref r) ? null : BlockIO(ref r); break;
                case "hugepageLimits": s.HugepageLimits = List(ref r, HugepageLimit); break;
                case "unified": s.Unified = StringMap(ref r); break;
                case "network": s.Network = Raw(ref r); break;
                case "rdma": s.Rdma = Raw(ref r); break;
                default: r.Skip(); break;
            }
        }
        return s;
    }

    static SpecDeviceCgroup DeviceCgroup(ref Utf8JsonReader r)
    {
        var d = new SpecDeviceCgroup();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "allow": d.Allow = Bool(ref r); break;
                case "type": d.Type = OptStr(ref r); break;
                case "major": d.Major = IsNull(ref r) ? null : I64(ref r); break;
                case "minor": d.Minor = IsNull(ref r) ? null : I64(ref r); break;
                case "access": d.Access = OptStr(ref r); break;
                default: r.Skip(); break;
            }
        }
        return d;
    }

    static SpecMemory Memory(ref Utf8JsonReader r)
    {
        var m = new SpecMemory();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "limit": m.Limit = IsNull(ref r) ? null : I64(ref r); break;
                case "reservation": m.Reservation = IsNull(ref r) ? null : I64(ref r); break;
                case "swap": m.Swap = IsNull(ref r) ? null : I64(ref r); break;
                case "kernel": m.Kernel = IsNull(ref r) ? null : I64(ref r); break;
                case "kernelTCP": m.KernelTCP = IsNull(ref r) ? null : I64(ref r); break;
                case "swappiness": m.Swappiness = IsNull(ref r) ? null : U64(ref r); break;
                case "disableOOMKiller": m.DisableOOMKiller = IsNull(ref r) ? null : Bool(ref r); break;
                case "useHierarchy": m.UseHierarchy = IsNull(ref r) ? null : Bool(ref r); break;
                case "checkBeforeUpdate": m.CheckBeforeUpdate = IsNull(ref r) ? null : Bool(ref r); break;
                default: r.Skip(); break;
            }
        }
        return m;
    }

    static SpecCpu Cpu(ref Utf8JsonReader r)
    {
        var c = new SpecCpu();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "shares": c.Shares = IsNull(ref r) ? null : U64(ref r); break;
                case "quota": c.Quota = IsNull(ref r) ? null : I64(ref r); break;
                case "burst": c.Burst = IsNull(ref r) ? null : U64(ref r); break;
                case "period": c.Period = IsNull(ref r) ? null : U64(ref r); break;
                case "realtimeRuntime": c.RealtimeRuntime = IsNull(ref r) ? null : I64(ref r); break;
                case "realtimePeriod": c.RealtimePeriod = IsNull(ref r) ? null : U64(ref r); break;
                case "cpus": c.Cpus = OptStr(ref r); break;
                case "mems": c.Mems = OptStr(ref r); break;
                case "idle": c.Idle = IsNull(ref r) ? null : I64(ref r); break;
                default: r.Skip(); break;
            }
        }
        return c;
    }

    static SpecPids Pids(ref Utf8JsonReader r)
    {
        var p = new SpecPids();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "limit": p.Limit = I64(ref r); break;
                default: r.Skip(); break;
            }
        }
        return p;
    }

    static SpecBlockIO BlockIO(ref Utf8JsonReader r)
    {
        var b = new SpecBlockIO();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "weight": b.Weight = IsNull(ref r) ? null : U16(ref r); break;
                case "leafWeight": b.LeafWeight = IsNull(ref r) ? null : U16(ref r); break;
                case "weightDevice": b.WeightDevice = List(ref r, WeightDevice); break;
                case "throttleReadBpsDevice": b.ThrottleReadBpsDevice = List(ref r, ThrottleDevice); break;
                case "throttleWriteBpsDevice": b.ThrottleWriteBpsDevice = List(ref r, ThrottleDevice); break;
                case "throttleReadIOPSDevice": b.ThrottleReadIOPSDevice = List(ref r, ThrottleDevice); break;
                case "throttleWriteIOPSDevice": b.ThrottleWriteIOPSDevice = List(ref r, ThrottleDevice); break;
                default: r.Skip(); break;
            }
        }
        return b;
    }

    static SpecWeightDevice WeightDevice(ref Utf8JsonReader r)
    {
        var d = new SpecWeightDevice();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "major": d.Major = I64(ref r); break;
                case "minor": d.Minor = I64(ref r); break;
                case "weight": d.Weight = IsNull(ref r) ? null : U16(ref r); break;
                case "leafWeight": d.LeafWeight = IsNull(ref r) ? null : U16(ref r); break;
                default: r.Skip(); break;
            }
        }
        return d;
    }

    static SpecThrottleDevice ThrottleDevice(ref Utf8JsonReader r)
    {
        var d = new SpecThrottleDevice();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "major": d.Major = I64(ref r); break;
                case "minor": d.Minor = I64(ref r); break;
                case "rate": d.Rate = U64(ref r); break;
                default: r.Skip(); break;
            }
        }
        return d;
    }

    static SpecHugepageLimit HugepageLimit(ref Utf8JsonReader r)
    {
        var h = new SpecHugepageLimit();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "pageSize": h.PageSize = Str(ref r); break;
                case "limit": h.Limit = U64(ref r); break;
                default: r.Skip(); break;
            }
        }
        return h;
    }
}
