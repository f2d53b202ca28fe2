using Rlrun.Runtime.Seccomp;
using Rlrun.Runtime.Spec;
using Xunit;

namespace Rlrun.UnitTests.Seccomp;

public class SeccompPlanTests
{
    static SpecSyscall Call(string action, params string[] names) => new() { Names = [.. names], Action = action };

    static SpecSyscallArg Arg(uint index, string op, ulong value, ulong valueTwo = 0) =>
        new() { Index = index, Op = op, Value = value, ValueTwo = valueTwo };

    static SpecSeccomp Profile(string defaultAction = "SCMP_ACT_ERRNO", params SpecSyscall[] syscalls) =>
        new() { DefaultAction = defaultAction, Syscalls = [.. syscalls] };

    [Fact]
    public void The_default_action_is_translated_with_EPERM_when_no_defaultErrnoRet()
    {
        var plan = SeccompPlan.From(Profile());
        Assert.Equal(SeccompActions.Errno(1), plan.DefaultAction);
        Assert.Empty(plan.Rules);
        Assert.Empty(plan.Architectures);
        Assert.Empty(plan.Flags);
        Assert.False(plan.UsesNotify);
    }

    [Fact]
    public void DefaultErrnoRet_goes_on_the_default_action()
    {
        var s = Profile();
        s.DefaultErrnoRet = 38;
        Assert.Equal(0x00050026u, SeccompPlan.From(s).DefaultAction);
    }

    [Fact]
    public void DefaultErrnoRet_is_not_used_for_a_rules_action()
    {
        var s = Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_ERRNO", "mount"));
        s.DefaultErrnoRet = 38;
        var plan = SeccompPlan.From(s);
        Assert.Equal(SeccompActions.Allow, plan.DefaultAction);
        Assert.Equal(SeccompActions.Errno(1), Assert.Single(plan.Rules).Action);
    }

    [Fact]
    public void A_rules_errnoRet_goes_on_its_action()
    {
        var call = Call("SCMP_ACT_ERRNO", "clone3");
        call.ErrnoRet = 38;
        var rule = Assert.Single(SeccompPlan.From(Profile("SCMP_ACT_ALLOW", call)).Rules);
        Assert.Equal("clone3", rule.Syscall);
        Assert.Equal(0x00050026u, rule.Action);
        Assert.Empty(rule.Conditions);
    }

    [Fact]
    public void Each_name_of_an_entry_is_its_own_rule_in_order()
    {
        var plan = SeccompPlan.From(Profile("SCMP_ACT_ERRNO",
            Call("SCMP_ACT_ALLOW", "read", "write", "exit_group"),
            Call("SCMP_ACT_KILL_PROCESS", "ptrace")));
        Assert.Equal(
            [("read", SeccompActions.Allow), ("write", SeccompActions.Allow), ("exit_group", SeccompActions.Allow), ("ptrace", SeccompActions.KillProcess)],
            plan.Rules.Select(r => (r.Syscall, r.Action)));
    }

    [Fact]
    public void Conditions_are_translated_with_their_operator_numbers()
    {
        var call = Call("SCMP_ACT_ALLOW", "personality");
        call.Args = [Arg(0, "SCMP_CMP_MASKED_EQ", 0xff, 0x08)];
        var rule = Assert.Single(SeccompPlan.From(Profile("SCMP_ACT_ERRNO", call)).Rules);
        Assert.Equal(new SeccompCondition(0, 7, 0xff, 0x08), Assert.Single(rule.Conditions));
    }

    [Fact]
    public void Conditions_on_different_arguments_stay_in_one_rule_per_name()
    {
        var call = Call("SCMP_ACT_ALLOW", "socket", "socketpair");
        call.Args = [Arg(0, "SCMP_CMP_EQ", 1), Arg(1, "SCMP_CMP_NE", 3), Arg(5, "SCMP_CMP_GT", 9)];
        var plan = SeccompPlan.From(Profile("SCMP_ACT_ERRNO", call));

        Assert.Equal(["socket", "socketpair"], plan.Rules.Select(r => r.Syscall));
        SeccompCondition[] expected = [new(0, 4, 1, 0), new(1, 1, 3, 0), new(5, 6, 9, 0)];
        foreach (var rule in plan.Rules) Assert.Equal(expected, rule.Conditions);
    }

    [Fact]
    public void Conditions_repeating_an_argument_become_one_rule_each()
    {
        // libseccomp refuses two conditions on one argument in a rule; runc splits them.
        var call = Call("SCMP_ACT_ALLOW", "clone", "clone2");
        call.Args = [Arg(0, "SCMP_CMP_NE", 0x10000000), Arg(0, "SCMP_CMP_NE", 0x20000000), Arg(2, "SCMP_CMP_EQ", 7)];
        var plan = SeccompPlan.From(Profile("SCMP_ACT_ERRNO", call));

        Assert.Equal(6, plan.Rules.Count);
        Assert.All(plan.Rules, r => Assert.Single(r.Conditions));
        Assert.All(plan.Rules, r => Assert.Equal(SeccompActions.Allow, r.Action));
        Assert.Equal(
            [("clone", 0u, 0x10000000UL), ("clone", 0u, 0x20000000UL), ("clone", 2u, 7UL),
             ("clone2", 0u, 0x10000000UL), ("clone2", 0u, 0x20000000UL), ("clone2", 2u, 7UL)],
            plan.Rules.Select(r => (r.Syscall, r.Conditions[0].Index, r.Conditions[0].Value)));
    }

    [Fact]
    public void Argument_index_5_is_the_last_allowed()
    {
        var ok = Call("SCMP_ACT_ALLOW", "mmap");
        ok.Args = [Arg(5, "SCMP_CMP_EQ", 0)];
        Assert.Equal(5u, Assert.Single(Assert.Single(SeccompPlan.From(Profile("SCMP_ACT_ERRNO", ok)).Rules).Conditions).Index);

        var bad = Call("SCMP_ACT_ALLOW", "mmap");
        bad.Args = [Arg(1, "SCMP_CMP_EQ", 0), Arg(6, "SCMP_CMP_EQ", 0)];
        var e = Assert.Throws<SpecError>(() => SeccompPlan.From(Profile("SCMP_ACT_ERRNO", Call("SCMP_ACT_ALLOW", "read"), bad)));
        Assert.StartsWith("linux.seccomp.syscalls[1].args[1].index:", e.Message);
        Assert.Contains("6", e.Message);
    }

    [Fact]
    public void An_unknown_default_action_names_defaultAction()
    {
        var e = Assert.Throws<SpecError>(() => SeccompPlan.From(Profile("SCMP_ACT_MAYBE")));
        Assert.StartsWith("linux.seccomp.defaultAction:", e.Message);
        Assert.Contains("SCMP_ACT_MAYBE", e.Message);
    }

    [Fact]
    public void An_unknown_rule_action_names_the_rules_index()
    {
        var e = Assert.Throws<SpecError>(() => SeccompPlan.From(Profile("SCMP_ACT_ERRNO",
            Call("SCMP_ACT_ALLOW", "read"), Call("SCMP_ACT_ALLOW", "write"), Call("SCMP_ACT_DENY", "mount"))));
        Assert.StartsWith("linux.seccomp.syscalls[2].action:", e.Message);
        Assert.Contains("SCMP_ACT_DENY", e.Message);
    }

    [Fact]
    public void An_unknown_operator_names_the_rule_and_argument()
    {
        var call = Call("SCMP_ACT_ALLOW", "ioctl");
        call.Args = [Arg(1, "SCMP_CMP_EQ", 1), Arg(1, "SCMP_CMP_SAME", 2)];
        var e = Assert.Throws<SpecError>(() => SeccompPlan.From(Profile("SCMP_ACT_ERRNO", Call("SCMP_ACT_ALLOW", "read"), call)));
        Assert.StartsWith("linux.seccomp.syscalls[1].args[1].op:", e.Message);
        Assert.Contains("SCMP_CMP_SAME", e.Message);
    }

    [Fact]
    public void Known_flags_and_architectures_are_kept_in_order()
    {
        var s = Profile();
        s.Flags = ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"];
        s.Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"];
        var plan = SeccompPlan.From(s);
        Assert.Equal(s.Flags, plan.Flags);
        Assert.Equal(s.Architectures, plan.Architectures);
    }

    [Fact]
    public void An_unknown_flag_names_the_flags_field()
    {
        var s = Profile();
        s.Flags = ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_FAST"];
        var e = Assert.Throws<SpecError>(() => SeccompPlan.From(s));
        Assert.StartsWith("linux.seccomp.flags:", e.Message);
        Assert.Contains("SECCOMP_FILTER_FLAG_FAST", e.Message);
    }

    [Fact]
    public void Notify_in_a_rule_needs_a_listenerPath()
    {
        var e = Assert.Throws<SpecError>(() => SeccompPlan.From(Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_NOTIFY", "mount"))));
        Assert.StartsWith("linux.seccomp", e.Message);
        Assert.Contains("listenerPath", e.Message);
    }

    [Fact]
    public void A_notify_default_needs_a_listenerPath()
    {
        var s = Profile("SCMP_ACT_NOTIFY");
        s.ListenerPath = "";
        var e = Assert.Throws<SpecError>(() => SeccompPlan.From(s));
        Assert.Contains("listenerPath", e.Message);
    }

    [Fact]
    public void A_relative_listenerPath_is_rejected()
    {
        var s = Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_NOTIFY", "mount"));
        s.ListenerPath = "run/agent.sock";
        var e = Assert.Throws<SpecError>(() => SeccompPlan.From(s));
        Assert.StartsWith("linux.seccomp.listenerPath:", e.Message);
        Assert.Contains("absolute", e.Message);
    }

    [Fact]
    public void A_relative_listenerPath_is_rejected_even_without_notify()
    {
        var s = Profile();
        s.ListenerPath = "agent.sock";
        Assert.Throws<SpecError>(() => SeccompPlan.From(s));
    }

    [Fact]
    public void Notify_with_a_listener_is_planned_and_reported()
    {
        var s = Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_ALLOW", "read"), Call("SCMP_ACT_NOTIFY", "mount", "umount2"));
        s.ListenerPath = "/run/agent.sock";
        s.ListenerMetadata = "meta";
        var plan = SeccompPlan.From(s);
        Assert.True(plan.UsesNotify);
        Assert.Equal("/run/agent.sock", plan.ListenerPath);
        Assert.Equal("meta", plan.ListenerMetadata);
        Assert.Equal([SeccompActions.Allow, SeccompActions.Notify, SeccompActions.Notify], plan.Rules.Select(r => r.Action));
    }

    [Fact]
    public void A_notify_default_action_uses_notify()
    {
        var s = Profile("SCMP_ACT_NOTIFY", Call("SCMP_ACT_ALLOW", "read"));
        s.ListenerPath = "/run/agent.sock";
        var plan = SeccompPlan.From(s);
        Assert.Equal(SeccompActions.Notify, plan.DefaultAction);
        Assert.True(plan.UsesNotify);
    }

    [Fact]
    public void A_listener_without_notify_does_not_use_notify()
    {
        var s = Profile("SCMP_ACT_ERRNO", Call("SCMP_ACT_ALLOW", "read"));
        s.ListenerPath = "/run/agent.sock";
        var plan = SeccompPlan.From(s);
        Assert.False(plan.UsesNotify);
        Assert.Equal("/run/agent.sock", plan.ListenerPath);
    }

    [Fact]
    public void UsesNotify_is_computed_from_the_plans_actions()
    {
        var rules = new List<SeccompRule> { new("read", SeccompActions.Allow, []) };
        Assert.False(new SeccompPlan(SeccompActions.Allow, [], [], rules, null, null).UsesNotify);
        Assert.True(new SeccompPlan(SeccompActions.Notify, [], [], rules, null, null).UsesNotify);
        rules.Add(new("mount", SeccompActions.Notify, []));
        Assert.True(new SeccompPlan(SeccompActions.Allow, [], [], rules, null, null).UsesNotify);
    }

    [Fact]
    public void Every_action_translates_inside_a_profile()
    {
        var calls = SeccompActions.ActionNames.Select((a, i) => Call(a, $"call{i}")).ToArray();
        var s = Profile("SCMP_ACT_ERRNO", calls);
        s.ListenerPath = "/run/agent.sock";
        var plan = SeccompPlan.From(s);
        Assert.Equal(
            SeccompActions.ActionNames.Select(a => SeccompActions.Action(a, null, "x")),
            plan.Rules.Select(r => r.Action));
    }
}
