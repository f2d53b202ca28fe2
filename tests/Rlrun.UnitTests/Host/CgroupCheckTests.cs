using Rlrun.Runtime.Host;
using Xunit;

namespace Rlrun.UnitTests.Host;

public class CgroupCheckTests
{
    static readonly CheckUser Alice = new(1000, 1000, "alice");
    static readonly HashSet<string> All = ["cpu", "cpuset", "io", "memory", "pids", "hugetlb", "rdma", "misc"];
    static HashSet<string> Set(params string[] c) => [.. c];

    const string Mount = "/sys/fs/cgroup";
    const string Service = "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service";

    static CgroupFacts Facts(CheckUser? user = null, string? mount = Mount, bool v1 = false, IReadOnlySet<string>? root = null,
        string? delegation = null, IReadOnlySet<string>? delegated = null, IReadOnlySet<string>? subtree = null,
        string? service = null, IReadOnlySet<string>? serviceControllers = null) =>
        new(user ?? Alice, mount, v1, "/user.slice/user-1000.slice/session-1.scope", root ?? All,
            delegation, delegated ?? Set(), subtree ?? Set(), service, serviceControllers ?? Set());

    [Fact]
    public void Cgroup2_mounted_is_ok_and_a_hybrid_host_is_said()
    {
        Assert.Equal(CheckStatus.Ok, CgroupCheck.EvaluateMount(Facts()).Status);
        var hybrid = CgroupCheck.EvaluateMount(Facts(mount: "/sys/fs/cgroup/unified", v1: true));
        Assert.Equal(CheckStatus.Ok, hybrid.Status);
        Assert.Contains("/sys/fs/cgroup/unified", hybrid.Detail);
        Assert.Contains("hybrid", hybrid.Detail);
    }

    [Fact]
    public void No_cgroup2_warns_with_the_boot_option_for_both_checks()
    {
        var mount = CgroupCheck.EvaluateMount(Facts(mount: null, v1: true));
        Assert.Equal(CheckStatus.Warn, mount.Status);
        Assert.Contains("cgroup v1", mount.Detail);
        Assert.Contains("systemd.unified_cgroup_hierarchy=1", mount.Fix);
        Assert.Equal(CheckStatus.Warn, CgroupCheck.EvaluateDelegation(Facts(mount: null)).Status);
    }

    [Fact]
    public void All_controllers_on_user_service_is_ok()
    {
        var r = CgroupCheck.EvaluateDelegation(Facts(service: Service, serviceControllers: Set("cpu", "cpuset", "io", "memory", "pids")));
        Assert.Equal(CheckStatus.Ok, r.Status);
        Assert.Equal("systemd user@1000.service: cpu cpuset io memory pids", r.Detail);
    }

    [Fact]
    public void Systemds_default_delegation_warns_with_the_drop_in()
    {
        // systemd before 252 delegates memory and pids only (and cpu on some distributions).
        var r = CgroupCheck.EvaluateDelegation(Facts(service: Service, serviceControllers: Set("memory", "pids")));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains("missing cpu cpuset io:", r.Detail);
        var fix = Assert.Single(r.FixLines);
        Assert.StartsWith("mkdir -p /etc/systemd/system/user@.service.d && printf '[Service]\\nDelegate=cpu cpuset io memory pids\\n' > /etc/systemd/system/user@.service.d/delegate.conf && systemctl daemon-reload", fix);
    }

    [Fact]
    public void Controllers_held_by_cgroup_v1_need_the_unified_hierarchy_not_a_drop_in()
    {
        // The test machine: cgroup2 has only hugetlb; cpu, memory, pids... are v1 hierarchies.
        var r = CgroupCheck.EvaluateDelegation(Facts(mount: "/sys/fs/cgroup/unified", v1: true, root: Set("hugetlb"),
            service: "/sys/fs/cgroup/unified/user.slice/user-1000.slice/user@1000.service"));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains("missing cpu cpuset io memory pids (held by cgroup v1 on this hybrid host)", r.Detail);
        var fix = Assert.Single(r.FixLines);
        Assert.Contains("systemd.unified_cgroup_hierarchy=1", fix);
    }

    [Fact]
    public void Some_held_by_v1_and_some_not_delegated_need_both_steps()
    {
        var r = CgroupCheck.EvaluateDelegation(Facts(v1: true, root: Set("cpu", "io", "memory", "pids"),
            service: Service, serviceControllers: Set("memory", "pids")));
        Assert.Contains("missing cpu io (not delegated), cpuset (held by cgroup v1 on this hybrid host)", r.Detail);
        Assert.Equal(2, r.FixLines.Count);
        Assert.Contains("delegate.conf", r.FixLines[0]);
        Assert.StartsWith("and: ", r.FixLines[1]);
    }

    [Fact]
    public void Without_systemd_the_delegation_roots_controllers_count()
    {
        string root = "/sys/fs/cgroup/ci/alice";
        var r = CgroupCheck.EvaluateDelegation(Facts(delegation: root, delegated: Set("memory", "pids"), subtree: Set("memory")));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.StartsWith($"cgroupfs {root}: memory pids (subtree_control: memory); missing cpu cpuset io", r.Detail);
        Assert.Equal("for d in /sys/fs/cgroup /sys/fs/cgroup/ci; do echo '+cpu +cpuset +io' > $d/cgroup.subtree_control; done", r.Fix);
    }

    [Fact]
    public void Root_uses_the_root_cgroup()
    {
        var r = CgroupCheck.EvaluateDelegation(Facts(user: new CheckUser(0, 0, "root"), delegation: Mount, delegated: All));
        Assert.Equal(CheckStatus.Ok, r.Status);
        Assert.StartsWith("root cgroup /sys/fs/cgroup:", r.Detail);
    }

    [Fact]
    public void Nothing_delegated_warns_that_containers_run_without_a_cgroup()
    {
        var r = CgroupCheck.EvaluateDelegation(Facts());
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains("no cgroup is delegated to alice", r.Detail);
        Assert.Contains("/sys/fs/cgroup/user.slice/user-1000.slice/session-1.scope is not writable", r.Detail);
        Assert.Equal("loginctl enable-linger alice   # systemd then runs user@1000.service with a delegated cgroup", r.FixLines[0]);
    }

    [Fact]
    public void Cgroup_v1_hierarchies_are_found_in_mountinfo()
    {
        const string hybrid = """
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """;
        const string unified = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
        Assert.True(CgroupFacts.HasV1In(hybrid));
        Assert.False(CgroupFacts.HasV1In(unified));
    }
}
