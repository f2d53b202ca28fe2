using Rlrun.Runtime.Process;
using Xunit;

namespace Rlrun.UnitTests.Processes;

public class CapabilitiesTests
{
    const int AllKnown = 40;

    [Theory]
    [InlineData("CAP_CHOWN", 0)]
    [InlineData("CAP_KILL", 5)]
    [InlineData("CAP_NET_BIND_SERVICE", 10)]
    [InlineData("CAP_NET_RAW", 13)]
    [InlineData("CAP_SYS_ADMIN", 21)]
    [InlineData("CAP_AUDIT_WRITE", 29)]
    [InlineData("CAP_SETFCAP", 31)]
    [InlineData("CAP_BPF", 39)]
    [InlineData("CAP_CHECKPOINT_RESTORE", 40)]
    [InlineData("cap_sys_admin", 21)]
    public void Names_have_the_kernels_numbers(string name, int number)
    {
        Assert.Equal(number, Capabilities.NumberOf(name));
    }

    [Fact]
    public void An_unknown_name_has_no_number()
    {
        Assert.Null(Capabilities.NumberOf("CAP_FLY"));
        Assert.Null(Capabilities.NumberOf("SYS_ADMIN"));
    }

    [Fact]
    public void The_mask_has_a_bit_per_named_capability()
    {
        var unknown = new List<string>();
        ulong mask = Capabilities.MaskOf(["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", "cap_chown"], AllKnown, unknown);
        Assert.Equal((1UL << 29) | (1UL << 5) | (1UL << 10) | 1UL, mask);
        Assert.Empty(unknown);
    }

    [Fact]
    public void Unknown_names_are_collected_once_each_in_order()
    {
        var unknown = new List<string>();
        ulong mask = Capabilities.MaskOf(["CAP_FLY", "CAP_KILL", "SYS_ADMIN", "CAP_FLY"], AllKnown, unknown);
        Assert.Equal(1UL << 5, mask);
        Assert.Equal(["CAP_FLY", "SYS_ADMIN"], unknown);
    }

    [Fact]
    public void Capabilities_beyond_the_kernels_last_are_unknown()
    {
        var unknown = new List<string>();
        ulong mask = Capabilities.MaskOf(["CAP_BPF", "CAP_CHECKPOINT_RESTORE", "CAP_SYSLOG"], 38, unknown);
        Assert.Equal(1UL << 34, mask);
        Assert.Equal(["CAP_BPF", "CAP_CHECKPOINT_RESTORE"], unknown);
    }

    [Fact]
    public void No_names_is_an_empty_mask()
    {
        var unknown = new List<string>();
        Assert.Equal(0UL, Capabilities.MaskOf(null, AllKnown, unknown));
        Assert.Empty(unknown);
    }

    [Fact]
    public void Every_name_maps_to_its_own_bit()
    {
        var unknown = new List<string>();
        ulong mask = Capabilities.MaskOf(Capabilities.Names, Capabilities.Names.Length - 1, unknown);
        Assert.Equal((1UL << Capabilities.Names.Length) - 1, mask);
        Assert.Empty(unknown);
    }
}
