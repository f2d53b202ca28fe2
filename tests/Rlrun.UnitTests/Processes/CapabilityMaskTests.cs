using Rlrun.Runtime.Process;
using Xunit;

namespace Rlrun.UnitTests.Processes;

/// <summary>More of Capabilities: case, the last-cap boundary, and how unknown names are reported.</summary>
public class CapabilityMaskTests
{
    [Theory]
    [InlineData("cap_chown")]
    [InlineData("Cap_Chown")]
    [InlineData("CAP_chown")]
    public void NumberOf_ignores_case(string name)
    {
        Assert.Equal(0, Capabilities.NumberOf(name));
    }

    [Fact]
    public void NumberOf_agrees_with_the_position_in_Names()
    {
        for (int i = 0; i < Capabilities.Names.Length; i++) Assert.Equal(i, Capabilities.NumberOf(Capabilities.Names[i]));
        Assert.Equal(41, Capabilities.Names.Length);
        Assert.Equal(Capabilities.Names.Length, Capabilities.Names.Distinct().Count());
    }

    [Theory]
    [InlineData("")]
    [InlineData("CAP_")]
    [InlineData(" CAP_KILL")]
    [InlineData("CAP_KILL ")]
    [InlineData("KILL")]
    public void Near_misses_have_no_number(string name)
    {
        Assert.Null(Capabilities.NumberOf(name));
    }

    [Fact]
    public void The_last_cap_itself_is_known()
    {
        var unknown = new List<string>();
        Assert.Equal(1UL << 38, Capabilities.MaskOf(["CAP_PERFMON"], 38, unknown));
        Assert.Empty(unknown);
    }

    [Fact]
    public void Bits_above_31_are_set_in_the_64_bit_mask()
    {
        var unknown = new List<string>();
        ulong mask = Capabilities.MaskOf(["CAP_MAC_OVERRIDE", "CAP_CHECKPOINT_RESTORE"], 40, unknown);
        Assert.Equal((1UL << 32) | (1UL << 40), mask);
    }

    [Fact]
    public void A_name_repeated_in_another_case_sets_its_bit_once()
    {
        var unknown = new List<string>();
        Assert.Equal(1UL << 21, Capabilities.MaskOf(["CAP_SYS_ADMIN", "cap_sys_admin", "Cap_Sys_Admin"], 40, unknown));
        Assert.Empty(unknown);
    }

    [Fact]
    public void Unknown_names_already_in_the_list_are_not_added_again()
    {
        // The list is shared across the five sets: a name unknown in two sets is reported once.
        var unknown = new List<string>();
        Capabilities.MaskOf(["CAP_FLY", "CAP_BPF"], 38, unknown);
        Capabilities.MaskOf(["CAP_BPF", "CAP_FLY", "CAP_SWIM"], 38, unknown);
        Assert.Equal(["CAP_FLY", "CAP_BPF", "CAP_SWIM"], unknown);
    }

    [Fact]
    public void With_a_very_old_kernel_only_the_low_caps_are_known()
    {
        var unknown = new List<string>();
        ulong mask = Capabilities.MaskOf(["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_KILL"], 1, unknown);
        Assert.Equal(0b11UL, mask);
        Assert.Equal(["CAP_KILL"], unknown);
    }

    [Fact]
    public void LastCap_is_the_running_kernels()
    {
        int expected = int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim());
        Assert.Equal(expected, Capabilities.LastCap());
        Assert.InRange(Capabilities.LastCap(), 30, 63);
    }
}
