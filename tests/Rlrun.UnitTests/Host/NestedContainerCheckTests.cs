using Rlrun.Runtime.Host;
using Rlrun.Runtime.IdMapping;
using Xunit;

namespace Rlrun.UnitTests.Host;

public class NestedContainerCheckTests
{
    // The outer container rlrun makes for rltest by default: 0 -> 1001, 1..65536 -> 100000..
    static readonly IReadOnlyList<IdMap> Outer = [new IdMap(0, 1001, 1), new IdMap(1, 100000, 65536)];

    static EnclosingUserNamespace Enclosing(bool setuid = true, bool setgid = true, bool setfcap = true) =>
        new(Outer, Outer, setuid, setgid, setfcap);

    static NestedContainerFacts Inside(EnclosingUserNamespace? e = null, string[]? overmounts = null, long? max = 15000, int? seccomp = 0, bool root = true) =>
        new(root, e ?? Enclosing(), overmounts ?? [], max, seccomp);

    [Fact]
    public void Outside_a_container_is_ok()
    {
        var r = NestedContainerCheck.Evaluate(new NestedContainerFacts(false, null, [], 63000, 0));
        Assert.Equal(CheckStatus.Ok, r.Status);
        Assert.Contains("not inside a container", r.Detail);
    }

    [Fact]
    public void A_container_made_for_nesting_is_ok_and_says_how_many_ids_nested_ones_get()
    {
        var r = NestedContainerCheck.Evaluate(Inside());
        Assert.Equal(CheckStatus.Ok, r.Status);
        Assert.Contains("uid_map 0 1001 1, 1 100000 65536", r.Detail);
        Assert.Contains("65537 IDs", r.Detail);
        Assert.Null(r.Fix);
    }

    [Fact]
    public void Covered_proc_paths_fail_and_are_named_with_the_fix()
    {
        var r = NestedContainerCheck.Evaluate(Inside(overmounts: ["/proc/kcore", "/proc/sys"]));
        Assert.Equal(CheckStatus.Fail, r.Status);
        Assert.Contains("/proc/kcore, /proc/sys", r.Detail);
        Assert.Contains("maskedPaths", r.Fix);
        Assert.Contains("readonlyPaths", r.Fix);
    }

    [Fact]
    public void No_user_namespaces_left_fails()
    {
        var r = NestedContainerCheck.Evaluate(Inside(max: 0));
        Assert.Equal(CheckStatus.Fail, r.Status);
        Assert.Contains("user.max_user_namespaces is 0", r.Detail);
    }

    [Fact]
    public void Root_without_CAP_SETFCAP_fails_naming_it()
    {
        var r = NestedContainerCheck.Evaluate(Inside(Enclosing(setfcap: false)));
        Assert.Equal(CheckStatus.Fail, r.Status);
        Assert.Contains("CAP_SETFCAP", r.Detail);
        Assert.Contains("CAP_SETFCAP", r.Fix);
    }

    [Fact]
    public void Root_without_CAP_SETUID_only_warns_a_single_id()
    {
        var r = NestedContainerCheck.Evaluate(Inside(Enclosing(setuid: false)));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains("single ID", r.Detail);
    }

    [Fact]
    public void A_non_root_user_inside_needs_no_capabilities()
    {
        Assert.Equal(CheckStatus.Ok, NestedContainerCheck.Evaluate(Inside(Enclosing(false, false, false), root: false)).Status);
    }

    [Fact]
    public void A_seccomp_filter_warns()
    {
        var r = NestedContainerCheck.Evaluate(Inside(seccomp: 2));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains("CLONE_NEWUSER", r.Detail);
    }

    [Fact]
    public void Several_problems_give_one_fix_a_line_fails_first()
    {
        var r = NestedContainerCheck.Evaluate(Inside(Enclosing(setfcap: false), overmounts: ["/proc/kcore"], seccomp: 2));
        Assert.Equal(CheckStatus.Fail, r.Status);
        Assert.Equal(3, r.FixLines.Count);
        Assert.Contains("maskedPaths", r.FixLines[0]);
    }
}

public class NestedContainerCheckProbeTests
{
    static readonly IReadOnlyList<IdMap> Outer = [new IdMap(0, 1001, 1), new IdMap(1, 100000, 65536)];

    static NestedContainerFacts Probed(int? errno, int seccomp = 2) =>
        new(true, new EnclosingUserNamespace(Outer, Outer, true, true, true), [], 15000, seccomp, errno);

    [Fact]
    public void A_seccomp_filter_that_allows_the_probe_is_ok()
    {
        Assert.Equal(CheckStatus.Ok, NestedContainerCheck.Evaluate(Probed(0)).Status);
    }

    [Fact]
    public void A_seccomp_filter_that_refuses_the_probe_fails_naming_seccomp()
    {
        var r = NestedContainerCheck.Evaluate(Probed(1));
        Assert.Equal(CheckStatus.Fail, r.Status);
        Assert.Contains("seccomp", r.Detail);
        Assert.Contains("CLONE_NEWUSER", r.Fix);
    }

    [Fact]
    public void No_space_for_a_user_namespace_fails_as_max_user_namespaces()
    {
        var r = NestedContainerCheck.Evaluate(Probed(28, seccomp: 0));
        Assert.Equal(CheckStatus.Fail, r.Status);
        Assert.Contains("max_user_namespaces", r.Detail);
    }

    [Fact]
    public void Another_errno_is_named()
    {
        var r = NestedContainerCheck.Evaluate(Probed(22, seccomp: 0));
        Assert.Equal(CheckStatus.Fail, r.Status);
        Assert.Contains("unshare(CLONE_NEWUSER) fails here: Invalid argument", r.Detail);
    }
}
