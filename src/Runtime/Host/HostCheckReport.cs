namespace Rlrun.Runtime.Host;

/// <summary>The host's rootless prerequisites, checked for the calling user (`rlrun check`):
/// each check gathers its facts, then decides from them alone (the *Check classes, unit-tested
/// with made-up facts). A container can run when no check fails.</summary>
public sealed record HostCheckReport(IReadOnlyList<CheckResult> Checks)
{
    public bool CanRun => Checks.All(c => c.Status != CheckStatus.Fail);

    public static HostCheckReport Run() => Run(CheckUser.Current());

    public static HostCheckReport Run(CheckUser user)
    {
        var checks = new List<CheckResult>
        {
            Guard(KernelVersionCheck.Name, () => KernelVersionCheck.Evaluate(KernelFacts.Gather())),
            Guard(UserNamespaceCheck.Name, () => UserNamespaceCheck.Evaluate(UserNamespaceFacts.Gather(user))),
            Guard(NestedContainerCheck.Name, () => NestedContainerCheck.Evaluate(NestedContainerFacts.Gather(user))),
            Guard("newuidmap", () => IdMapHelperCheck.Evaluate(IdMapHelperFacts.Gather("newuidmap", user))),
            Guard("newgidmap", () => IdMapHelperCheck.Evaluate(IdMapHelperFacts.Gather("newgidmap", user))),
            Guard("subuid", () => SubordinateIdCheck.Evaluate(SubordinateIdFacts.Gather("/etc/subuid", user))),
            Guard("subgid", () => SubordinateIdCheck.Evaluate(SubordinateIdFacts.Gather("/etc/subgid", user))),
        };
        checks.AddRange(Shared(() => SystemdBusFacts.Gather(user),
            (SystemdBusCheck.Name, SystemdBusCheck.Evaluate), (ContextCheck.Name, bus => ContextCheck.Evaluate(ContextFacts.Gather(user, bus)))));
        checks.Add(Guard(LingerCheck.Name, () => LingerCheck.Evaluate(LingerFacts.Gather(user))));
        checks.AddRange(Shared(() => CgroupFacts.Gather(user),
            (CgroupCheck.MountName, CgroupCheck.EvaluateMount), (CgroupCheck.DelegationName, CgroupCheck.EvaluateDelegation)));
        checks.Add(Guard(OverlayCheck.Name, () => OverlayCheck.Evaluate(OverlayProbe.Gather(user))));
        checks.AddRange(Shared(() => FuseFacts.Gather(user),
            (FuseCheck.DeviceName, FuseCheck.EvaluateDevice), (FuseCheck.ToolName, FuseCheck.EvaluateTool)));
        checks.Add(Guard(NetworkHelperCheck.Name, () => NetworkHelperCheck.Evaluate(NetworkHelperFacts.Gather())));
        return new HostCheckReport(checks);
    }

    /// <summary>Checks that decide from the same facts, gathered once.</summary>
    static IEnumerable<CheckResult> Shared<T>(Func<T> gather, params (string Name, Func<T, CheckResult> Evaluate)[] checks)
    {
        T facts;
        try { facts = gather(); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return checks.Select(c => Guard(c.Name, () => throw e)).ToList();
        }
        return checks.Select(c => Guard(c.Name, () => c.Evaluate(facts))).ToList();
    }

    /// <summary>A check that throws says so as a warning: one broken probe must not hide the others.</summary>
    static CheckResult Guard(string name, Func<CheckResult> check)
    {
        try { return check(); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return CheckResult.Warn(name, $"could not check: {e.Message.Replace('\n', ' ')}", "a bug in rlrun check: please report this message");
        }
    }
}
