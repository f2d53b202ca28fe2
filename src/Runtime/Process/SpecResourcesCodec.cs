using Rlrun.Runtime.Spec;

namespace Rlrun.Runtime.Process;

/// <summary>linux.resources in the init config's compact form (InitConfigCodec). The init acts on
/// none of it (stage 0 sets the cgroup up), but the config it gets is the whole spec, as before.</summary>
static class SpecResourcesCodec
{
    public static void Write(CompactWriter w, SpecResources s)
    {
        w.List(s.Devices, static (w, d) => { w.Bool(d.Allow); w.Str(d.Type, optional: true); w.Opt(d.Major); w.Opt(d.Minor); w.Str(d.Access, optional: true); });
        if (w.Has(s.Memory))
        {
            var m = s.Memory!;
            w.Opt(m.Limit); w.Opt(m.Reservation); w.Opt(m.Swap); w.Opt(m.Kernel); w.Opt(m.KernelTCP); w.Opt(m.Swappiness);
            w.Opt(m.DisableOOMKiller); w.Opt(m.UseHierarchy); w.Opt(m.CheckBeforeUpdate);
        }
        if (w.Has(s.Cpu))
        {
            var c = s.Cpu!;
            w.Opt(c.Shares); w.Opt(c.Quota); w.Opt(c.Burst); w.Opt(c.Period); w.Opt(c.RealtimeRuntime); w.Opt(c.RealtimePeriod);
            w.Str(c.Cpus, optional: true); w.Str(c.Mems, optional: true); w.Opt(c.Idle);
        }
        if (w.Has(s.Pids)) w.Long(s.Pids!.Limit);
        if (w.Has(s.BlockIO))
        {
            var b = s.BlockIO!;
            w.Opt(b.Weight); w.Opt(b.LeafWeight);
            w.List(b.WeightDevice, static (w, d) => { w.Long(d.Major); w.Long(d.Minor); w.Opt(d.Weight); w.Opt(d.LeafWeight); });
            foreach (var list in new[] { b.ThrottleReadBpsDevice, b.ThrottleWriteBpsDevice, b.ThrottleReadIOPSDevice, b.ThrottleWriteIOPSDevice })
                w.List(list, static (w, d) => { w.Long(d.Major); w.Long(d.Minor); w.ULong(d.Rate); });
        }
        w.List(s.HugepageLimits, static (w, h) => { w.Str(h.PageSize); w.ULong(h.Limit); });
        w.Map(s.Unified);
        w.Json(s.Network);
        w.Json(s.Rdma);
    }

    public static SpecResources Read(CompactReader r)
    {
        var s = new SpecResources
        {
            Devices = r.List(static r => new SpecDeviceCgroup { Allow = r.Bool(), Type = r.OptStr(), Major = r.OptLong(), Minor = r.OptLong(), Access = r.OptStr() }),
        };
        if (r.Has())
            s.Memory = new SpecMemory
            {
                Limit = r.OptLong(), Reservation = r.OptLong(), Swap = r.OptLong(), Kernel = r.OptLong(), KernelTCP = r.OptLong(),
                Swappiness = r.OptULong(), DisableOOMKiller = r.OptBool(), UseHierarchy = r.OptBool(), CheckBeforeUpdate = r.OptBool(),
            };
        if (r.Has())
            s.Cpu = new SpecCpu
            {
                Shares = r.OptULong(), Quota = r.OptLong(), Burst = r.OptULong(), Period = r.OptULong(), RealtimeRuntime = r.OptLong(),
                RealtimePeriod = r.OptULong(), Cpus = r.OptStr(), Mems = r.OptStr(), Idle = r.OptLong(),
            };
        if (r.Has()) s.Pids = new SpecPids { Limit = r.Long() };
        if (r.Has())
        {
            static List<SpecThrottleDevice>? Throttle(CompactReader r) =>
                r.List(static r => new SpecThrottleDevice { Major = r.Long(), Minor = r.Long(), Rate = r.ULong() });
            s.BlockIO = new SpecBlockIO
            {
                Weight = r.OptUShort(), LeafWeight = r.OptUShort(),
                WeightDevice = r.List(static r => new SpecWeightDevice { Major = r.Long(), Minor = r.Long(), Weight = r.OptUShort(), LeafWeight = r.OptUShort() }),
                ThrottleReadBpsDevice = Throttle(r), ThrottleWriteBpsDevice = Throttle(r),
                ThrottleReadIOPSDevice = Throttle(r), ThrottleWriteIOPSDevice = Throttle(r),
            };
        }
        s.HugepageLimits = r.List(static r => new SpecHugepageLimit { PageSize = r.Str(), Limit = r.ULong() });
        s.Unified = r.Map();
        s.Network = r.Json();
        s.Rdma = r.Json();
        return s;
    }
}
