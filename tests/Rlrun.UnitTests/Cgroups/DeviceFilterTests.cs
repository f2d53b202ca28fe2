using Rlrun.Runtime.Cgroups;
using Rlrun.Runtime.Spec;
using Xunit;

namespace Rlrun.UnitTests.Cgroups;

/// <summary>DeviceFilter's programs, run by a small interpreter of the opcodes it emits, against the
/// decisions runc and crun make for the same rules.</summary>
public class DeviceFilterTests
{
    const char C = 'c', B = 'b';

    static SpecDeviceCgroup Rule(bool allow, string access, string? type = null, long? major = null, long? minor = null) =>
        new() { Allow = allow, Type = type, Major = major, Minor = minor, Access = access };

    static readonly SpecDeviceCgroup DenyAll = Rule(false, "rwm");

    /// <summary>Runs the compiled program for one access: true when it returns 1.</summary>
    static bool Allows(List<SpecDeviceCgroup> rules, char type, uint major, uint minor, string access)
    {
        var program = DeviceFilter.Compile(rules);
        BpfInterpreter.CheckShape(program);
        return BpfInterpreter.Run(program, Context(type, major, minor, access)) == 1;
    }

    static uint[] Context(char type, uint major, uint minor, string access)
    {
        uint acc = 0;
        foreach (char c in access) acc |= c switch { 'm' => 1u, 'r' => 2u, 'w' => 4u, _ => throw new ArgumentException(access) };
        return [(acc << 16) | (type == B ? 1u : 2u), major, minor];
    }

    [Theory]
    // runc's `spec` writes exactly [deny all]: only the devices every container gets stay usable.
    [InlineData(C, 1, 3, "rw", true)]     // /dev/null
    [InlineData(C, 1, 5, "r", true)]      // /dev/zero
    [InlineData(C, 1, 9, "r", true)]      // /dev/urandom
    [InlineData(C, 5, 0, "rw", true)]     // /dev/tty
    [InlineData(C, 5, 2, "rw", true)]     // /dev/ptmx
    [InlineData(C, 136, 7, "rw", true)]   // /dev/pts/7
    [InlineData(C, 10, 200, "rw", true)]  // /dev/net/tun
    [InlineData(C, 4, 1, "m", true)]      // mknod of any char device ...
    [InlineData(B, 8, 0, "m", true)]      // ... or block device
    [InlineData(C, 4, 1, "w", false)]     // ... but not its use
    [InlineData(B, 8, 0, "r", false)]     // /dev/sda
    [InlineData(B, 7, 0, "rw", false)]    // /dev/loop0
    [InlineData(C, 10, 229, "rw", false)] // /dev/fuse
    [InlineData(C, 1, 1, "r", false)]     // /dev/mem
    [InlineData(C, 136, 7, "rwm", true)]
    [InlineData(B, 1, 3, "rw", false)]    // a block device with /dev/null's numbers is not /dev/null
    public void The_default_spec_rule_denies_all_but_the_default_devices(char type, int major, int minor, string access, bool allowed)
    {
        Assert.Equal(allowed, Allows([DenyAll], type, (uint)major, (uint)minor, access));
    }

    [Fact]
    public void An_allowed_device_is_usable_after_deny_all()
    {
        var rules = new List<SpecDeviceCgroup> { DenyAll, Rule(true, "rw", "c", 10, 229) };
        Assert.True(Allows(rules, C, 10, 229, "rw"));
        Assert.False(Allows(rules, C, 10, 228, "rw"));
        Assert.False(Allows(rules, B, 10, 229, "r"));
    }

    [Fact]
    public void The_last_matching_rule_wins()
    {
        var allowThenDeny = new List<SpecDeviceCgroup> { Rule(true, "rwm", "b", 8, 0), Rule(false, "rwm", "b", 8, 0) };
        Assert.False(Allows(allowThenDeny, B, 8, 0, "r"));
        var denyThenAllow = new List<SpecDeviceCgroup> { Rule(false, "rwm", "b", 8, 0), Rule(true, "rwm", "b", 8, 0) };
        Assert.True(Allows(denyThenAllow, B, 8, 0, "r"));
        // A later deny-all takes back what came before it (the default devices, added last, stay).
        var thenDenyAll = new List<SpecDeviceCgroup> { Rule(true, "rwm", "b", 8, 0), DenyAll };
        Assert.False(Allows(thenDenyAll, B, 8, 0, "r"));
        Assert.True(Allows(thenDenyAll, C, 1, 3, "w"));
    }

    [Fact]
    public void Each_access_kind_is_decided_by_the_last_rule_that_names_it()
    {
        // rw allowed, then w taken back: read-only, so a read-write open is refused as a whole.
        var readOnly = new List<SpecDeviceCgroup> { DenyAll, Rule(true, "rw", "b", 8, 0), Rule(false, "w", "b", 8, 0) };
        Assert.True(Allows(readOnly, B, 8, 0, "r"));
        Assert.False(Allows(readOnly, B, 8, 0, "w"));
        Assert.False(Allows(readOnly, B, 8, 0, "rw"));
        // r and w allowed by separate rules: together too.
        var split = new List<SpecDeviceCgroup> { DenyAll, Rule(true, "r", "b", 8, 0), Rule(true, "w", "b", 8, 0) };
        Assert.True(Allows(split, B, 8, 0, "rw"));
        Assert.False(Allows(split, B, 8, 1, "r"));
    }

    [Fact]
    public void Wildcards_match_any_type_and_number()
    {
        var anyMinor = new List<SpecDeviceCgroup> { DenyAll, Rule(true, "rw", "b", 8, -1) };
        Assert.True(Allows(anyMinor, B, 8, 16, "r"));
        Assert.False(Allows(anyMinor, B, 9, 16, "r"));
        var anyType = new List<SpecDeviceCgroup> { DenyAll, Rule(true, "r", "a", 250, 1) };
        Assert.True(Allows(anyType, B, 250, 1, "r"));
        Assert.True(Allows(anyType, C, 250, 1, "r"));
        Assert.False(Allows(anyType, C, 250, 1, "w"));
        // Numbers of 2^31 and above still compare as the u32s the kernel passes.
        var big = new List<SpecDeviceCgroup> { DenyAll, Rule(true, "r", "c", 4095, uint.MaxValue) };
        Assert.True(Allows(big, C, 4095, uint.MaxValue, "r"));
        Assert.False(Allows(big, C, 4095, 1, "r"));
    }

    [Fact]
    public void Allow_all_allows_everything_and_ends_the_program()
    {
        var rules = new List<SpecDeviceCgroup> { DenyAll, Rule(true, "rwm") };
        Assert.True(Allows(rules, B, 8, 0, "rw"));
        Assert.True(Allows(rules, C, 10, 229, "m"));
        // Nothing after it: the verifier refuses unreachable instructions.
        var program = DeviceFilter.Compile(rules);
        Assert.Equal(BpfInstruction.Exit, program[^1].Code);
        Assert.Equal(1, program[^2].Imm);
    }

    [Fact]
    public void Without_a_deny_all_what_no_rule_allows_is_denied_as_runc_does()
    {
        var rules = new List<SpecDeviceCgroup> { Rule(true, "rwm", "b", 8, 0) };
        Assert.True(Allows(rules, B, 8, 0, "rw"));
        Assert.False(Allows(rules, B, 8, 1, "r"));
    }

    [Fact]
    public void Every_program_is_one_the_verifier_takes()
    {
        List<List<SpecDeviceCgroup>> sets =
        [
            [], [DenyAll], [Rule(true, "rwm")], [DenyAll, Rule(true, "rwm"), Rule(false, "rwm")], [Rule(false, "w", "a")],
            [DenyAll, Rule(true, "rw", "b", 8, 0), Rule(false, "w", "b", 8, 0), Rule(true, "m", "c", null, 3)],
        ];
        foreach (var rules in sets) BpfInterpreter.CheckShape(DeviceFilter.Compile(rules));
    }

    [Theory]
    [InlineData("u", "rwm", null, "type")]
    [InlineData("c", "", null, "access")]
    [InlineData("c", null, null, "access")]
    [InlineData("c", "rx", null, "access")]
    [InlineData("c", "rw", -2L, "major")]
    [InlineData("c", "rw", 4294967296L, "major")]
    public void A_bad_rule_is_an_error_naming_its_field(string type, string? access, long? major, string field)
    {
        var rules = new List<SpecDeviceCgroup> { DenyAll, new() { Allow = true, Type = type, Access = access, Major = major } };
        var e = Assert.Throws<SpecError>(() => DeviceFilter.Compile(rules));
        Assert.Contains($"linux.resources.devices[1].{field}", e.Message);
    }

    [Fact]
    public void Encode_is_the_kernels_bpf_insn_layout()
    {
        var bytes = BpfInstruction.Encode([BpfInstruction.Load(2, 1, 4), BpfInstruction.Jump(BpfInstruction.JumpNe32, 5, -1, 3)]);
        Assert.Equal(new byte[] { 0x61, 0x12, 4, 0, 0, 0, 0, 0, 0x56, 0x05, 3, 0, 0xff, 0xff, 0xff, 0xff }, bytes);
    }
}

/// <summary>Runs the opcodes DeviceFilter emits over a bpf_cgroup_dev_ctx; and checks what the
/// kernel's verifier would refuse first: jumps out of the program, unreachable instructions, a
/// path that falls off the end.</summary>
static class BpfInterpreter
{
    public static long Run(List<BpfInstruction> program, uint[] ctx)
    {
        var r = new ulong[11];
        for (int pc = 0, steps = 0; pc < program.Count; pc++)
        {
            Assert.True(++steps < 10_000, "the program loops");
            var i = program[pc];
            uint dst32 = (uint)r[i.Dst];
            switch (i.Code)
            {
                case BpfInstruction.LoadWord:
                    Assert.Equal(1, i.Src);
                    Assert.True(i.Offset % 4 == 0 && i.Offset / 4 < ctx.Length, $"load at {i.Offset}");
                    r[i.Dst] = ctx[i.Offset / 4];
                    break;
                case BpfInstruction.And32: r[i.Dst] = dst32 & (uint)i.Imm; break;
                case BpfInstruction.Rsh32: r[i.Dst] = dst32 >> i.Imm; break;
                case BpfInstruction.Mov32Reg: r[i.Dst] = (uint)r[i.Src]; break;
                case BpfInstruction.Mov64: r[i.Dst] = (ulong)(long)i.Imm; break;
                case BpfInstruction.JumpEq32: if (dst32 == (uint)i.Imm) pc += i.Offset; break;
                case BpfInstruction.JumpNe32: if (dst32 != (uint)i.Imm) pc += i.Offset; break;
                case BpfInstruction.Exit: return (long)r[0];
                default: Assert.Fail($"opcode 0x{i.Code:x2} at {pc}"); break;
            }
        }
        Assert.Fail("the program ran off its end");
        return -1;
    }

    public static void CheckShape(List<BpfInstruction> program)
    {
        var reached = new bool[program.Count];
        var todo = new Stack<int>([0]);
        while (todo.Count > 0)
        {
            int pc = todo.Pop();
            Assert.True(pc >= 0 && pc < program.Count, $"a jump to {pc} leaves the program of {program.Count}");
            if (reached[pc]) continue;
            reached[pc] = true;
            var i = program[pc];
            if (i.Code == BpfInstruction.Exit) continue;
            if (i.IsJump) todo.Push(pc + 1 + i.Offset);
            todo.Push(pc + 1);
        }
        int unreachable = Array.IndexOf(reached, false);
        Assert.True(unreachable < 0, $"instruction {unreachable} is unreachable");
    }
}
