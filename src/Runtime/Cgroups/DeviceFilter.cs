using Rlrun.Runtime.Spec;

namespace Rlrun.Runtime.Cgroups;

/// <summary>One device rule, parsed: Type 0 is every type; a null Major or Minor is any number.</summary>
public readonly record struct DeviceRule(bool Allow, int Type, uint? Major, uint? Minor, int Access)
{
    public bool MatchesEverything => Type == 0 && Major is null && Minor is null && Access == DeviceFilter.AccessAll;
}

/// <summary>linux.resources.devices as a BPF_PROG_TYPE_CGROUP_DEVICE program: cgroup v2 has no
/// devices.allow file, a program attached to the cgroup decides each mknod and open instead.
/// Semantics as runc and crun give them: the rules, then the devices every container gets (runc's
/// AllowedDevices), apply in order and the last rule that matches an access kind decides it; what no
/// rule decides is denied. Pure: unit-tested through an interpreter of the emitted program.</summary>
public static class DeviceFilter
{
    // struct bpf_cgroup_dev_ctx: u32 access_type (type low 16 bits, access high 16), u32 major, u32 minor.
    public const int TypeBlock = 1, TypeChar = 2;
    public const int AccessMknod = 1, AccessRead = 2, AccessWrite = 4, AccessAll = 7;

    // Registers: r1 points at the context, and is scratch once its fields are loaded.
    const byte Ctx = 1, Scratch = 1, DevType = 2, Pending = 3, Major = 4, Minor = 5;

    /// <summary>What runc's specconv appends to every rule list (so users cannot take them away),
    /// plus /dev/net/tun as crun and runc 1.2.1+ have it.</summary>
    public static readonly IReadOnlyList<DeviceRule> DefaultAllowed =
    [
        new(true, TypeChar, null, null, AccessMknod),
        new(true, TypeBlock, null, null, AccessMknod),
        new(true, TypeChar, 1, 3, AccessAll),    // null
        new(true, TypeChar, 1, 8, AccessAll),    // random
        new(true, TypeChar, 1, 7, AccessAll),    // full
        new(true, TypeChar, 5, 0, AccessAll),    // tty
        new(true, TypeChar, 1, 5, AccessAll),    // zero
        new(true, TypeChar, 1, 9, AccessAll),    // urandom
        new(true, TypeChar, 136, null, AccessAll), // pts
        new(true, TypeChar, 5, 2, AccessAll),    // ptmx
        new(true, TypeChar, 10, 200, AccessAll), // net/tun
    ];

    /// <summary>The config's rules, checked, followed by DefaultAllowed.</summary>
    public static List<DeviceRule> Rules(IReadOnlyList<SpecDeviceCgroup> rules) =>
        [.. rules.Select(Parse), .. DefaultAllowed];

    public static DeviceRule Parse(SpecDeviceCgroup r, int index)
    {
        string at = $"linux.resources.devices[{index}]";
        int type = r.Type switch
        {
            null or "" or "a" => 0,
            "c" => TypeChar,
            "b" => TypeBlock,
            _ => throw new SpecError($"{at}.type: \"{r.Type}\" is not a, b or c"),
        };
        if (string.IsNullOrEmpty(r.Access)) throw new SpecError($"{at}.access: must not be empty (a subset of \"rwm\")");
        int access = 0;
        foreach (char c in r.Access)
            access |= c switch
            {
                'r' => AccessRead,
                'w' => AccessWrite,
                'm' => AccessMknod,
                _ => throw new SpecError($"{at}.access: \"{r.Access}\" is not a subset of \"rwm\""),
            };
        return new DeviceRule(r.Allow, type, Number(r.Major, $"{at}.major"), Number(r.Minor, $"{at}.minor"), access);
    }

    static uint? Number(long? n, string at) => n switch
    {
        null or -1 => null,
        >= 0 and <= uint.MaxValue => (uint)n,
        _ => throw new SpecError($"{at}: {n} is neither -1 (any) nor a device number"),
    };

    public static List<BpfInstruction> Compile(IReadOnlyList<SpecDeviceCgroup> rules) => Compile(Rules(rules));

    /// <summary>The program: the rules from the last to the first, each a block that is skipped
    /// unless the device matches. Register 3 holds the access kinds still undecided: an allow block
    /// takes its kinds out of it (allowing once it is empty), a deny block denies if any is left.</summary>
    public static List<BpfInstruction> Compile(IReadOnlyList<DeviceRule> rules)
    {
        var p = new List<BpfInstruction>
        {
            BpfInstruction.Load(DevType, Ctx, 0),
            BpfInstruction.Alu(BpfInstruction.And32, DevType, 0xffff),
            BpfInstruction.Load(Pending, Ctx, 0),
            BpfInstruction.Alu(BpfInstruction.Rsh32, Pending, 16),
            BpfInstruction.Load(Major, Ctx, 4),
            BpfInstruction.Load(Minor, Ctx, 8),
        };
        for (int i = rules.Count - 1; i >= 0; i--)
        {
            p.AddRange(Block(rules[i]));
            // A rule that matches everything decides everything: the kernel's verifier refuses
            // the unreachable instructions any later block would be.
            if (rules[i].MatchesEverything) return p;
        }
        p.Add(BpfInstruction.Return(0));
        p.Add(BpfInstruction.ExitInsn);
        return p;
    }

    static List<BpfInstruction> Block(DeviceRule rule)
    {
        var b = new List<BpfInstruction>();
        if (rule.Type != 0) b.Add(BpfInstruction.Jump(BpfInstruction.JumpNe32, DevType, rule.Type));
        if (rule.Major is uint major) b.Add(BpfInstruction.Jump(BpfInstruction.JumpNe32, Major, (int)major));
        if (rule.Minor is uint minor) b.Add(BpfInstruction.Jump(BpfInstruction.JumpNe32, Minor, (int)minor));
        if (rule.Allow && rule.Access != AccessAll)
        {
            b.Add(BpfInstruction.Alu(BpfInstruction.And32, Pending, ~rule.Access));
            b.Add(BpfInstruction.Jump(BpfInstruction.JumpNe32, Pending, 0));
        }
        else if (!rule.Allow && rule.Access != AccessAll)
        {
            b.Add(BpfInstruction.MovReg(Scratch, Pending));
            b.Add(BpfInstruction.Alu(BpfInstruction.And32, Scratch, rule.Access));
            b.Add(BpfInstruction.Jump(BpfInstruction.JumpEq32, Scratch, 0));
        }
        b.Add(BpfInstruction.Return(rule.Allow ? 1 : 0));
        b.Add(BpfInstruction.ExitInsn);
        // Every jump of the block goes to the instruction after it: the next rule.
        for (int j = 0; j < b.Count; j++)
            if (b[j].IsJump) b[j] = b[j] with { Offset = (short)(b.Count - j - 1) };
        return b;
    }
}
