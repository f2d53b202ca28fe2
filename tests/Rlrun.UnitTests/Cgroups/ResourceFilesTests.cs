using Rlrun.Runtime.Cgroups;
using Rlrun.Runtime.Spec;
using Xunit;

namespace Rlrun.UnitTests.Cgroups;

public class ResourceFilesTests
{
    static List<CgroupWrite> From(SpecResources r) => ResourceFiles.From(r);

    static CgroupWrite W(string file, string value) => new(file, value);

    [Fact]
    public void No_resources_is_no_writes()
    {
        Assert.Empty(ResourceFiles.From(null));
        Assert.Empty(ResourceFiles.From(new SpecResources()));
        Assert.Empty(From(new SpecResources { Memory = new(), Cpu = new(), BlockIO = new(), Pids = new() }));
    }

    [Fact]
    public void A_memory_limit_is_memory_max()
    {
        Assert.Equal([W("memory.max", "536870912")], From(new() { Memory = new() { Limit = 536870912 } }));
    }

    [Fact]
    public void An_unlimited_memory_limit_is_max()
    {
        Assert.Equal([W("memory.max", "max")], From(new() { Memory = new() { Limit = -1 } }));
    }

    [Fact]
    public void A_zero_memory_limit_is_unset()
    {
        Assert.Empty(From(new() { Memory = new() { Limit = 0, Reservation = 0, Swap = 0 } }));
    }

    [Fact]
    public void A_reservation_is_memory_low()
    {
        Assert.Equal([W("memory.low", "1048576")], From(new() { Memory = new() { Reservation = 1048576 } }));
        Assert.Equal([W("memory.low", "max")], From(new() { Memory = new() { Reservation = -1 } }));
    }

    [Fact]
    public void Swap_is_memory_plus_swap_so_v2_gets_the_difference()
    {
        var writes = From(new() { Memory = new() { Limit = 100 << 20, Swap = 300 << 20 } });
        Assert.Equal([W("memory.max", "104857600"), W("memory.swap.max", "209715200")], writes);
    }

    [Fact]
    public void Swap_equal_to_the_limit_is_no_swap()
    {
        var writes = From(new() { Memory = new() { Limit = 1000, Swap = 1000 } });
        Assert.Contains(W("memory.swap.max", "0"), writes);
    }

    [Fact]
    public void Unlimited_swap_is_max()
    {
        Assert.Contains(W("memory.swap.max", "max"), From(new() { Memory = new() { Limit = 1000, Swap = -1 } }));
        Assert.Equal([W("memory.swap.max", "max")], From(new() { Memory = new() { Swap = -1 } }));
    }

    [Fact]
    public void Swap_below_the_limit_is_an_error()
    {
        var e = Assert.Throws<SpecError>(() => From(new() { Memory = new() { Limit = 2000, Swap = 1000 } }));
        Assert.Contains("linux.resources.memory.swap", e.Message);
        Assert.Contains("1000", e.Message);
        Assert.Contains("2000", e.Message);
    }

    [Fact]
    public void Swap_without_a_limit_is_an_error()
    {
        var e = Assert.Throws<SpecError>(() => From(new() { Memory = new() { Swap = 1000 } }));
        Assert.Contains("linux.resources.memory.swap", e.Message);
        Assert.Contains("memory.limit", e.Message);
    }

    [Fact]
    public void Swap_with_an_unlimited_memory_limit_is_an_error()
    {
        Assert.Throws<SpecError>(() => From(new() { Memory = new() { Limit = -1, Swap = 1000 } }));
    }

    [Theory]
    [InlineData(2UL, 1UL)]
    [InlineData(1024UL, 39UL)]
    [InlineData(262144UL, 10000UL)]
    [InlineData(1UL, 1UL)]            // below the v1 range: clamped
    [InlineData(1000000UL, 10000UL)]  // above it: clamped
    public void Cpu_shares_map_onto_cpu_weight_with_runcs_formula(ulong shares, ulong weight)
    {
        Assert.Equal(weight, ResourceFiles.SharesToWeight(shares));
        Assert.Equal([W("cpu.weight", weight.ToString())], From(new() { Cpu = new() { Shares = shares } }));
    }

    [Fact]
    public void Zero_cpu_shares_are_unset()
    {
        Assert.Equal(0UL, ResourceFiles.SharesToWeight(0));
        Assert.Empty(From(new() { Cpu = new() { Shares = 0 } }));
    }

    [Fact]
    public void Quota_and_period_are_cpu_max()
    {
        Assert.Equal([W("cpu.max", "50000 100000")], From(new() { Cpu = new() { Quota = 50000, Period = 100000 } }));
    }

    [Fact]
    public void No_quota_with_a_period_is_max_with_the_period()
    {
        Assert.Equal([W("cpu.max", "max 100000")], From(new() { Cpu = new() { Period = 100000 } }));
        Assert.Equal([W("cpu.max", "max 250000")], From(new() { Cpu = new() { Quota = -1, Period = 250000 } }));
    }

    [Fact]
    public void A_quota_without_a_period_keeps_the_kernels_period()
    {
        Assert.Equal([W("cpu.max", "20000")], From(new() { Cpu = new() { Quota = 20000 } }));
    }

    [Fact]
    public void Cpus_mems_burst_and_idle()
    {
        var writes = From(new() { Cpu = new() { Cpus = "0-3,6", Mems = "0", Burst = 1000, Idle = 1 } });
        Assert.Equal([W("cpu.max.burst", "1000"), W("cpu.idle", "1"), W("cpuset.cpus", "0-3,6"), W("cpuset.mems", "0")], writes);
    }

    [Fact]
    public void Empty_cpus_and_mems_are_unset()
    {
        Assert.Empty(From(new() { Cpu = new() { Cpus = "", Mems = "" } }));
    }

    [Fact]
    public void Idle_zero_is_written()
    {
        Assert.Equal([W("cpu.idle", "0")], From(new() { Cpu = new() { Idle = 0 } }));
    }

    [Theory]
    [InlineData(100L, "100")]
    [InlineData(-1L, "max")]
    [InlineData(-5L, "max")]
    public void The_pids_limit_is_pids_max(long limit, string value)
    {
        Assert.Equal([W("pids.max", value)], From(new() { Pids = new() { Limit = limit } }));
    }

    [Fact]
    public void A_zero_pids_limit_is_unset()
    {
        Assert.Empty(From(new() { Pids = new() { Limit = 0 } }));
    }

    [Theory]
    [InlineData((ushort)10, 1UL)]
    [InlineData((ushort)1000, 10000UL)]
    [InlineData((ushort)500, 4950UL)]
    [InlineData((ushort)5, 1UL)]
    public void Blkio_weight_maps_onto_io_weight(ushort blkio, ulong io)
    {
        Assert.Equal(io, ResourceFiles.BlkioToIoWeight(blkio));
        Assert.Equal([W("io.weight", io.ToString())], From(new() { BlockIO = new() { Weight = blkio } }));
    }

    [Fact]
    public void A_device_weight_is_an_io_weight_line_for_the_device()
    {
        var writes = From(new() { BlockIO = new() { WeightDevice = [new() { Major = 8, Minor = 0, Weight = 1000 }, new() { Major = 8, Minor = 16, LeafWeight = 10 }] } });
        Assert.Equal([W("io.weight", "8:0 10000")], writes);
    }

    [Fact]
    public void Throttle_devices_are_io_max_lines()
    {
        var writes = From(new()
        {
            BlockIO = new()
            {
                ThrottleReadBpsDevice = [new() { Major = 8, Minor = 0, Rate = 1048576 }],
                ThrottleWriteBpsDevice = [new() { Major = 8, Minor = 0, Rate = 0 }],
                ThrottleReadIOPSDevice = [new() { Major = 253, Minor = 1, Rate = 500 }],
                ThrottleWriteIOPSDevice = [new() { Major = 253, Minor = 1, Rate = 600 }, new() { Major = 8, Minor = 16, Rate = 7 }],
            },
        });
        Assert.Equal(
            [W("io.max", "8:0 rbps=1048576"), W("io.max", "8:0 wbps=max"), W("io.max", "253:1 riops=500"),
             W("io.max", "253:1 wiops=600"), W("io.max", "8:16 wiops=7")],
            writes);
    }

    [Fact]
    public void Hugepage_limits_are_hugetlb_max_files()
    {
        var writes = From(new() { HugepageLimits = [new() { PageSize = "2MB", Limit = 209715200 }, new() { PageSize = "1GB", Limit = 0 }] });
        Assert.Equal([W("hugetlb.2MB.max", "209715200"), W("hugetlb.1GB.max", "0")], writes);
    }

    [Fact]
    public void Unified_entries_are_written_as_given()
    {
        var writes = From(new() { Unified = new() { ["memory.high"] = "1G", ["io.latency"] = "8:0 target=10", ["cgroup.freeze"] = "0" } });
        Assert.Equal(3, writes.Count);
        Assert.Contains(W("memory.high", "1G"), writes);
        Assert.Contains(W("io.latency", "8:0 target=10"), writes);
        Assert.Contains(W("cgroup.freeze", "0"), writes);
    }

    [Fact]
    public void Unified_entries_come_after_the_translated_ones()
    {
        var writes = From(new() { Memory = new() { Limit = 1000 }, Unified = new() { ["memory.max"] = "2000" } });
        Assert.Equal([W("memory.max", "1000"), W("memory.max", "2000")], writes);
    }

    [Theory]
    [InlineData("../cgroup.procs")]
    [InlineData("sub/memory.max")]
    [InlineData("/etc/passwd")]
    [InlineData("..")]
    [InlineData("memory..max")]
    public void A_unified_name_that_could_leave_the_cgroup_is_rejected(string name)
    {
        var e = Assert.Throws<SpecError>(() => From(new() { Unified = new() { [name] = "1" } }));
        Assert.Contains("linux.resources.unified", e.Message);
        Assert.Contains(name, e.Message);
    }

    [Fact]
    public void Everything_together_in_order()
    {
        var writes = From(new()
        {
            Memory = new() { Limit = 2048, Reservation = 1024, Swap = 4096 },
            Cpu = new() { Shares = 1024, Quota = 1000, Period = 10000 },
            Pids = new() { Limit = 64 },
            BlockIO = new() { Weight = 10 },
        });
        Assert.Equal(
            [W("memory.low", "1024"), W("memory.max", "2048"), W("memory.swap.max", "2048"),
             W("cpu.weight", "39"), W("cpu.max", "1000 10000"), W("pids.max", "64"), W("io.weight", "1")],
            writes);
    }

    [Fact]
    public void Controllers_are_the_distinct_sorted_prefixes_without_core_files()
    {
        var writes = new List<CgroupWrite>
        {
            W("pids.max", "1"), W("memory.max", "1"), W("memory.swap.max", "1"), W("cpu.weight", "1"),
            W("cpuset.cpus", "0"), W("io.max", "8:0 rbps=1"), W("hugetlb.2MB.max", "1"), W("cgroup.freeze", "0"),
        };
        Assert.Equal(["cpu", "cpuset", "hugetlb", "io", "memory", "pids"], ResourceFiles.Controllers(writes));
    }

    [Fact]
    public void Controllers_of_no_writes_is_empty()
    {
        Assert.Empty(ResourceFiles.Controllers([]));
    }

    [Fact]
    public void The_controller_of_a_write_is_its_file_prefix()
    {
        Assert.Equal("memory", W("memory.swap.max", "0").Controller);
        Assert.Equal("hugetlb", W("hugetlb.1GB.max", "0").Controller);
        Assert.Null(W("cgroup.max.depth", "3").Controller);
    }

    /// <summary>containerd's default spec: the kernel's default weight, and device rules.</summary>
    static SpecResources ContainerdDefaults() => new()
    {
        Cpu = new() { Shares = 1024 },
        Devices = [new() { Allow = false, Access = "rwm" }],
    };

    [Fact]
    public void Shares_1024_is_the_kernels_default_weight_though_runcs_formula_writes_39()
    {
        var w = Assert.Single(From(ContainerdDefaults()));
        Assert.Equal(new CgroupWrite("cpu.weight", "39", AtDefault: true), w);
        Assert.True(w.IsKernelDefault);
        Assert.False(From(new SpecResources { Cpu = new() { Shares = 1023 } })[0].IsKernelDefault);
        Assert.False(From(new SpecResources { Cpu = new() { Shares = 2048 } })[0].IsKernelDefault);
    }

    [Theory]
    [InlineData("memory.max", "max", true)]
    [InlineData("memory.max", "1048576", false)]
    [InlineData("pids.max", "max", true)]
    [InlineData("pids.max", "100", false)]
    [InlineData("cpu.weight", "100", true)]
    [InlineData("cpu.weight", "39", false)]
    [InlineData("cpu.max", "max 100000", true)]
    [InlineData("cpu.max", "max 50000", false)]
    [InlineData("memory.swap.max", "max", true)]
    [InlineData("memory.low", "0", true)]
    [InlineData("io.max", "8:0 rbps=max", false)]
    [InlineData("hugetlb.2MB.max", "max", false)]
    public void A_value_is_at_the_default_when_a_new_cgroup_has_it(string file, string value, bool atDefault)
    {
        Assert.Equal(atDefault, W(file, value).IsKernelDefault);
    }

    [Fact]
    public void Unlimited_values_from_the_spec_are_at_the_default()
    {
        var writes = From(new SpecResources
        {
            Memory = new() { Limit = -1, Swap = -1 },
            Pids = new() { Limit = -1 },
            Cpu = new() { Shares = 1024, Quota = -1, Period = 100000 },
        });
        Assert.Equal(["cpu.max", "cpu.weight", "memory.max", "memory.swap.max", "pids.max"], writes.Select(w => w.File).Order(StringComparer.Ordinal));
        Assert.All(writes, w => Assert.True(w.IsKernelDefault, w.File));
        Assert.False(CgroupManagers.WantsLimits(new SpecResources { Memory = new() { Limit = -1 }, Pids = new() { Limit = -1 }, Cpu = new() { Shares = 1024 } }));
    }

    [Fact]
    public void A_quota_or_a_period_other_than_100ms_is_a_limit()
    {
        Assert.False(From(new SpecResources { Cpu = new() { Quota = 50000, Period = 100000 } })[0].IsKernelDefault);
        Assert.False(From(new SpecResources { Cpu = new() { Period = 50000 } })[0].IsKernelDefault);
        Assert.True(From(new SpecResources { Cpu = new() { Period = 100000 } })[0].IsKernelDefault);
    }

    [Fact]
    public void Without_the_controller_a_default_is_left_out_and_a_limit_stays()
    {
        var writes = From(new SpecResources { Cpu = new() { Shares = 1024 }, Pids = new() { Limit = 10 }, Memory = new() { Limit = -1 } });
        var (keep, leftOut) = ResourceFiles.Applicable(writes, new HashSet<string> { "hugetlb" });
        Assert.Equal(["pids.max"], keep.Select(w => w.File));
        Assert.Equal(["cpu.weight", "memory.max"], leftOut.Select(w => w.File).Order());
        // The pids limit still needs its controller: the caller's EnableControllers says so.
        Assert.Equal(["pids"], ResourceFiles.Controllers(keep));
    }

    [Fact]
    public void With_the_controller_a_default_is_written_too()
    {
        var writes = From(ContainerdDefaults());
        var (keep, leftOut) = ResourceFiles.Applicable(writes, new HashSet<string> { "cpu", "memory" });
        Assert.Equal(writes, keep);
        Assert.Empty(leftOut);
    }

    [Fact]
    public void Containerds_default_spec_asks_for_no_limit()
    {
        Assert.False(CgroupManagers.WantsLimits(ContainerdDefaults()));
        Assert.True(CgroupManagers.WantsLimits(new SpecResources { Cpu = new() { Shares = 512 } }));
    }

    [Fact]
    public void WantsLimits_is_whether_there_is_anything_to_write()
    {
        Assert.False(CgroupManagers.WantsLimits(null));
        Assert.False(CgroupManagers.WantsLimits(new SpecResources()));
        Assert.False(CgroupManagers.WantsLimits(new SpecResources { Memory = new() { Limit = 0 }, Pids = new() { Limit = 0 } }));
        // linux.resources.devices has no cgroup v2 interface file to write.
        Assert.False(CgroupManagers.WantsLimits(new SpecResources { Devices = [new() { Allow = false, Access = "rwm" }] }));
        Assert.True(CgroupManagers.WantsLimits(new SpecResources { Pids = new() { Limit = 10 } }));
        Assert.True(CgroupManagers.WantsLimits(new SpecResources { Unified = new() { ["memory.high"] = "1G" } }));
    }

    [Theory]
    [InlineData("systemd", true)]
    [InlineData("cgroupfs", true)]
    [InlineData("disabled", true)]
    [InlineData("auto", true)]
    [InlineData("Systemd", false)]
    [InlineData("", false)]
    [InlineData("none", false)]
    public void IsKnown_accepts_exactly_the_manager_names(string name, bool known)
    {
        Assert.Equal(known, CgroupManagers.IsKnown(name));
    }
}
