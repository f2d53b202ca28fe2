using Rlrun.Runtime.Seccomp;
using Rlrun.Runtime.Spec;
using Xunit;

namespace Rlrun.UnitTests.Seccomp;

public class SeccompActionsTests
{
    const string Field = "linux.seccomp.syscalls[3].action";

    // libseccomp's SCMP_ACT_* values (seccomp.h).
    [Theory]
    [InlineData("SCMP_ACT_KILL", 0x00000000u)]
    [InlineData("SCMP_ACT_KILL_THREAD", 0x00000000u)]
    [InlineData("SCMP_ACT_KILL_PROCESS", 0x80000000u)]
    [InlineData("SCMP_ACT_TRAP", 0x00030000u)]
    [InlineData("SCMP_ACT_LOG", 0x7ffc0000u)]
    [InlineData("SCMP_ACT_ALLOW", 0x7fff0000u)]
    [InlineData("SCMP_ACT_NOTIFY", 0x7fc00000u)]
    public void Actions_without_a_code_have_libseccomps_values(string name, uint value)
    {
        Assert.Equal(value, SeccompActions.Action(name, null, Field));
    }

    [Fact]
    public void Errno_without_errnoRet_is_EPERM()
    {
        Assert.Equal(0x00050001u, SeccompActions.Action("SCMP_ACT_ERRNO", null, Field));
    }

    [Theory]
    [InlineData(38u, 0x00050026u)] // ENOSYS
    [InlineData(0u, 0x00050000u)]
    [InlineData(13u, 0x0005000du)] // EACCES
    public void Errno_carries_errnoRet_in_the_low_bits(uint errno, uint value)
    {
        Assert.Equal(value, SeccompActions.Action("SCMP_ACT_ERRNO", errno, Field));
    }

    [Fact]
    public void Trace_carries_its_code_and_defaults_to_EPERM()
    {
        Assert.Equal(0x7ff00001u, SeccompActions.Action("SCMP_ACT_TRACE", null, Field));
        Assert.Equal(0x7ff0002au, SeccompActions.Action("SCMP_ACT_TRACE", 42, Field));
    }

    [Fact]
    public void Codes_are_cut_to_16_bits()
    {
        Assert.Equal(0x00050001u, SeccompActions.Errno(0x10001));
        Assert.Equal(0x7ff0ffffu, SeccompActions.Trace(0xffffffff));
    }

    [Fact]
    public void Actions_without_a_code_ignore_errnoRet()
    {
        Assert.Equal(SeccompActions.Allow, SeccompActions.Action("SCMP_ACT_ALLOW", 5, Field));
        Assert.Equal(SeccompActions.KillProcess, SeccompActions.Action("SCMP_ACT_KILL_PROCESS", 5, Field));
    }

    [Theory]
    [InlineData("SCMP_ACT_FLY")]
    [InlineData("scmp_act_allow")]
    [InlineData("")]
    public void An_unknown_action_is_a_spec_error_naming_the_field(string name)
    {
        var e = Assert.Throws<SpecError>(() => SeccompActions.Action(name, null, Field));
        Assert.StartsWith(Field + ":", e.Message);
        Assert.Contains($"\"{name}\"", e.Message);
    }

    [Fact]
    public void Every_listed_action_name_translates()
    {
        foreach (var name in SeccompActions.ActionNames) SeccompActions.Action(name, null, Field);
        Assert.Equal(9, SeccompActions.ActionNames.Length);
    }

    // libseccomp's enum scmp_compare: SCMP_CMP_NE = 1 ... SCMP_CMP_MASKED_EQ = 7.
    [Theory]
    [InlineData("SCMP_CMP_NE", 1u)]
    [InlineData("SCMP_CMP_LT", 2u)]
    [InlineData("SCMP_CMP_LE", 3u)]
    [InlineData("SCMP_CMP_EQ", 4u)]
    [InlineData("SCMP_CMP_GE", 5u)]
    [InlineData("SCMP_CMP_GT", 6u)]
    [InlineData("SCMP_CMP_MASKED_EQ", 7u)]
    public void Operators_have_libseccomps_numbers(string name, uint value)
    {
        Assert.Equal(value, SeccompActions.Operator(name, "f"));
    }

    [Theory]
    [InlineData("SCMP_CMP_APPROX")]
    [InlineData("scmp_cmp_eq")]
    [InlineData("")]
    public void An_unknown_operator_is_a_spec_error_naming_the_field(string name)
    {
        var e = Assert.Throws<SpecError>(() => SeccompActions.Operator(name, "linux.seccomp.syscalls[0].args[1].op"));
        Assert.StartsWith("linux.seccomp.syscalls[0].args[1].op:", e.Message);
        Assert.Contains($"\"{name}\"", e.Message);
    }

    [Theory]
    [InlineData("SCMP_ARCH_X86_64", "x86_64")]
    [InlineData("SCMP_ARCH_X86", "x86")]
    [InlineData("SCMP_ARCH_X32", "x32")]
    [InlineData("SCMP_ARCH_AARCH64", "aarch64")]
    [InlineData("SCMP_ARCH_ARM", "arm")]
    [InlineData("SCMP_ARCH_RISCV64", "riscv64")]
    [InlineData("x86_64", "x86_64")]
    public void Architectures_are_named_as_libseccomp_resolves_them(string spec, string libseccomp)
    {
        Assert.Equal(libseccomp, SeccompActions.ArchName(spec));
    }
}
