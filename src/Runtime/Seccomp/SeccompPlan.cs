using Rlrun.Runtime.Spec;

namespace Rlrun.Runtime.Seccomp;

public sealed record SeccompCondition(uint Index, uint Op, ulong Value, ulong ValueTwo);

public sealed record SeccompRule(string Syscall, uint Action, IReadOnlyList<SeccompCondition> Conditions);

/// <summary>linux.seccomp translated to libseccomp terms. Conditions naming one argument twice
/// become one rule each (libseccomp refuses such a rule; runc splits it the same way).</summary>
public sealed record SeccompPlan(uint DefaultAction, IReadOnlyList<string> Architectures, IReadOnlyList<string> Flags,
    IReadOnlyList<SeccompRule> Rules, string? ListenerPath, string? ListenerMetadata)
{
    public bool UsesNotify => DefaultAction == SeccompActions.Notify || Rules.Any(r => r.Action == SeccompActions.Notify);

    public static SeccompPlan From(SpecSeccomp s)
    {
        const string f = "linux.seccomp";
        uint def = SeccompActions.Action(s.DefaultAction, s.DefaultErrnoRet, $"{f}.defaultAction");
        foreach (var flag in s.Flags ?? [])
            if (!SeccompActions.FlagNames.Contains(flag)) throw new SpecError($"{f}.flags: unknown flag \"{flag}\"");
        var rules = new List<SeccompRule>();
        foreach (var (sc, i) in (s.Syscalls ?? []).Select((x, i) => (x, i)))
        {
            string field = $"{f}.syscalls[{i}]";
            uint action = SeccompActions.Action(sc.Action, sc.ErrnoRet, $"{field}.action");
            var conds = (sc.Args ?? []).Select((a, j) =>
            {
                if (a.Index > 5) throw new SpecError($"{field}.args[{j}].index: {a.Index} is past the 6 syscall arguments");
                return new SeccompCondition(a.Index, SeccompActions.Operator(a.Op, $"{field}.args[{j}].op"), a.Value, a.ValueTwo);
            }).ToList();
            bool repeatsAnArg = conds.GroupBy(c => c.Index).Any(g => g.Count() > 1);
            foreach (var name in sc.Names)
            {
                if (repeatsAnArg) rules.AddRange(conds.Select(c => new SeccompRule(name, action, [c])));
                else rules.Add(new SeccompRule(name, action, conds));
            }
        }
        if (s.ListenerPath is { Length: > 0 } lp && !lp.StartsWith('/')) throw new SpecError($"{f}.listenerPath: must be an absolute path");
        bool notify = def == SeccompActions.Notify || rules.Any(r => r.Action == SeccompActions.Notify);
        if (notify && string.IsNullOrEmpty(s.ListenerPath)) throw new SpecError($"{f}: SCMP_ACT_NOTIFY needs listenerPath");
        return new SeccompPlan(def, s.Architectures ?? [], s.Flags ?? [], rules, s.ListenerPath, s.ListenerMetadata);
    }
}
