using Rlrun.Runtime.Container;
using Rlrun.Runtime.IdMapping;
using Rlrun.Runtime.Namespaces;

namespace Rlrun.Runtime.Host;

/// <summary>Where rlrun runs inside a container (a user namespace it did not make): the IDs that
/// namespace maps, the capabilities rlrun has there, the mounts covering its /proc, and the limits
/// on new user namespaces in it, and what unshare(CLONE_NEWUSER) gave when tried (0, its errno;
/// null: not tried). Enclosing is null outside a container.</summary>
public sealed record NestedContainerFacts(bool IsRoot, EnclosingUserNamespace? Enclosing, IReadOnlyList<string> ProcOvermounts,
    long? MaxUserNamespaces, int? SeccompMode, int? UnshareErrno = null)
{
    public static NestedContainerFacts Gather(CheckUser user)
    {
        bool foreign = CallerInfo.InForeignUserNamespace();
        var limits = UserNamespaceLimits.Gather(foreign);
        return new NestedContainerFacts(user.IsRoot, foreign ? EnclosingUserNamespace.Read() : null,
            foreign ? Rootfs.ProcOvermounts.Read() : [], limits.MaxUserNamespaces, limits.SeccompMode,
            foreign ? UserNamespaceProbe.Run() : null);
    }
}

/// <summary>Whether a container can run nested in the container rlrun runs in (a CI runner that is
/// itself a container): a new user namespace must be allowed there, a new /proc must not be
/// refused (nothing may cover paths of the /proc in view), and root there needs CAP_SETFCAP to map
/// itself, CAP_SETUID/CAP_SETGID to map all of that namespace's IDs. Outside a container: ok.</summary>
public static class NestedContainerCheck
{
    public const string Name = "nested";

    public static CheckResult Evaluate(NestedContainerFacts f)
    {
        if (f.Enclosing is not { } e)
            return CheckResult.Ok(Name, "not inside a container (rlrun runs in the initial user namespace)");

        string where = $"inside a container (uid_map {string.Join(", ", e.UidMap)})";
        var fails = new List<(string Problem, string Fix)>();
        var warns = new List<(string Problem, string Fix)>();
        if (f.MaxUserNamespaces is 0 || f.UnshareErrno == Interop.Libc.ENOSPC)
            fails.Add(($"user.max_user_namespaces is {f.MaxUserNamespaces?.ToString() ?? "used up"} in this user namespace: the outer container forbids nested user namespaces",
                "make the outer container without lowering user.max_user_namespaces in its user namespace (e.g. no such sysctl in its config)"));
        else if (f.UnshareErrno == Interop.Libc.EPERM && f.SeccompMode is 2)
            fails.Add(("unshare(CLONE_NEWUSER) is refused (EPERM) and a seccomp filter is active (Seccomp: 2 in /proc/self/status): the outer container's profile forbids nested user namespaces",
                "run the outer container with a seccomp profile that allows unshare and clone with CLONE_NEWUSER, or none"));
        else if (f.UnshareErrno is { } errno and not 0)
            fails.Add(($"unshare(CLONE_NEWUSER) fails here: {Interop.Libc.StrError(errno)}", "run the outer container so that it may make user namespaces (seccomp, AppArmor, sysctls)"));
        if (f.ProcOvermounts.Count > 0)
            fails.Add(($"paths of /proc are covered by mounts ({Shown(f.ProcOvermounts)}): the kernel refuses a nested container its own /proc",
                "run the outer container without /proc entries in linux.maskedPaths and linux.readonlyPaths"));
        if (f.IsRoot && !e.CanSetFcap)
            fails.Add(("root here has no CAP_SETFCAP: the kernel lets only its holder map uid 0 into a nested user namespace",
                "add CAP_SETFCAP to the outer container's process.capabilities (bounding, effective, permitted)"));
        if (f.IsRoot && (!e.CanSetUid || !e.CanSetGid))
            warns.Add(("root here has no CAP_SETUID/CAP_SETGID: nested containers get a single ID (0 -> 0)",
                "add CAP_SETUID and CAP_SETGID to the outer container's process.capabilities"));
        if (f.SeccompMode is 2 && f.UnshareErrno is null)
            warns.Add(("a seccomp filter is active (Seccomp: 2 in /proc/self/status): if it refuses unshare/clone with CLONE_NEWUSER, `rlrun run` fails and says so",
                "run the outer container with a seccomp profile that allows unshare and clone with CLONE_NEWUSER, or none"));

        if (fails.Count > 0)
            return CheckResult.Fail(Name, $"{where}: {string.Join("; ", fails.Concat(warns).Select(p => p.Problem))}",
                string.Join('\n', fails.Concat(warns).Select(p => p.Fix)));
        if (warns.Count > 0)
            return CheckResult.Warn(Name, $"{where}: {string.Join("; ", warns.Select(p => p.Problem))}", string.Join('\n', warns.Select(p => p.Fix)));
        long ids = e.UidMap.Sum(m => (long)m.Size);
        return CheckResult.Ok(Name, f.IsRoot
            ? $"{where}: root with CAP_SETUID, CAP_SETGID and CAP_SETFCAP, /proc uncovered: nested containers get its {ids} IDs"
            : $"{where}: /proc uncovered, user namespaces allowed");
    }

    static string Shown(IReadOnlyList<string> paths) =>
        string.Join(", ", paths.Take(4)) + (paths.Count > 4 ? $" and {paths.Count - 4} more" : "");
}
