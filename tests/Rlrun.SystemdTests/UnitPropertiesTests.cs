using Rlrun.Systemd;
using Xunit;

namespace Rlrun.SystemdTests;

public sealed class UnitPropertiesTests
{
    [Fact]
    public void WellKnownProperties_HaveTheSignaturesSystemdExpects()
    {
        Assert.Equal(("Delegate", "b"), NameSig(UnitProperties.Delegate()));
        Assert.Equal(("PIDs", "au"), NameSig(UnitProperties.Pids(42)));
        Assert.Equal(("Slice", "s"), NameSig(UnitProperties.Slice("user.slice")));
        Assert.Equal(("Description", "s"), NameSig(UnitProperties.Description("x")));
        Assert.Equal(("DefaultDependencies", "b"), NameSig(UnitProperties.DefaultDependencies(false)));
        Assert.Equal(("CollectMode", "s"), NameSig(UnitProperties.CollectMode()));
        Assert.Equal(("MemoryMax", "t"), NameSig(UnitProperties.MemoryMax(1)));
        Assert.Equal(("MemoryLow", "t"), NameSig(UnitProperties.MemoryLow(1)));
        Assert.Equal(("MemoryHigh", "t"), NameSig(UnitProperties.MemoryHigh(1)));
        Assert.Equal(("MemorySwapMax", "t"), NameSig(UnitProperties.MemorySwapMax(1)));
        Assert.Equal(("TasksMax", "t"), NameSig(UnitProperties.TasksMax(1)));
        Assert.Equal(("CPUQuotaPerSecUSec", "t"), NameSig(UnitProperties.CpuQuotaPerSecUSec(1)));
        Assert.Equal(("CPUQuotaPeriodUSec", "t"), NameSig(UnitProperties.CpuQuotaPeriodUSec(1)));
        Assert.Equal(("CPUWeight", "t"), NameSig(UnitProperties.CpuWeight(100)));
        Assert.Equal(("IOWeight", "t"), NameSig(UnitProperties.IOWeight(100)));
        Assert.Equal(("AllowedCPUs", "ay"), NameSig(UnitProperties.AllowedCpus("0-1")));
        Assert.Equal(("AllowedMemoryNodes", "ay"), NameSig(UnitProperties.AllowedMemoryNodes("0")));
    }

    private static (string, string) NameSig(UnitProperty p) => (p.Name, p.Signature);

    [Fact]
    public void Pids_AreUInt32s_AndMustBePositive()
    {
        var p = Assert.IsType<UInt32ArrayProperty>(UnitProperties.Pids(1, 4242));
        Assert.Equal([1u, 4242u], p.Values);
        Assert.Throws<ArgumentOutOfRangeException>(() => UnitProperties.Pids(0));
    }

    [Fact]
    public void Text_ShowsNameValueAndSignature()
    {
        Assert.Equal("Delegate=true (b)", UnitProperties.Delegate().ToString());
        Assert.Equal("MemoryMax=infinity (t)", UnitProperties.MemoryMax(UnitProperties.Infinity).ToString());
        Assert.Equal("PIDs=[7, 8] (au)", UnitProperties.Pids(7, 8).ToString());
        Assert.Equal("AllowedCPUs=[0x0f, 0x01] (ay)", UnitProperties.AllowedCpus("0-3,8").ToString());
        Assert.Equal("X=[a, b] (as)", UnitProperty.Strings("X", ["a", "b"]).ToString());
    }

    [Theory]
    [InlineData("0", new byte[] { 0x01 })]
    [InlineData("0-3,8", new byte[] { 0x0f, 0x01 })]
    [InlineData("1,3,5,7", new byte[] { 0xaa })]
    [InlineData(" 2 - 3 , 9 ", new byte[] { 0x0c, 0x02 })]
    [InlineData("15", new byte[] { 0x00, 0x80 })]
    [InlineData("", new byte[0])]
    public void CpuList_IsALittleEndianBitmask(string list, byte[] mask) =>
        Assert.Equal(mask, UnitProperties.CpuListToMask(list));

    [Theory]
    [InlineData("a")]
    [InlineData("3-1")]
    [InlineData("1,,2")]
    [InlineData("-1")]
    [InlineData("99999")]
    public void CpuList_Rejects(string list) =>
        Assert.Throws<FormatException>(() => UnitProperties.CpuListToMask(list));

    [Theory]
    [InlineData(50_000L, 100_000UL, 500_000UL)]
    [InlineData(100_000L, 0UL, 1_000_000UL)]        // period 0: 100 ms
    [InlineData(12_345L, 100_000UL, 130_000UL)]     // rounded up to 10 ms
    [InlineData(200_000L, 100_000UL, 2_000_000UL)]
    [InlineData(-1L, 100_000UL, ulong.MaxValue)]    // no quota
    [InlineData(0L, 100_000UL, ulong.MaxValue)]
    public void CpuQuota_FromOci_AsRunc(long quota, ulong period, ulong expected) =>
        Assert.Equal(expected, UnitProperties.CpuQuotaPerSecUSecFromOci(quota, period));

    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(2UL, 1UL)]
    [InlineData(1024UL, 39UL)]
    [InlineData(262_144UL, 10_000UL)]
    public void CpuWeight_FromShares_AsRunc(ulong shares, ulong weight) =>
        Assert.Equal(weight, UnitProperties.CpuWeightFromShares(shares));

    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(10UL, 1UL)]
    [InlineData(500UL, 4950UL)]
    [InlineData(1000UL, 10_000UL)]
    public void IOWeight_FromBlkioWeight(ulong w, ulong expected) =>
        Assert.Equal(expected, UnitProperties.IOWeightFromBlkioWeight(w));
}
