using Rlrun.Runtime.Cgroups;
using Xunit;

namespace Rlrun.UnitTests.Cgroups;

public class CgroupV1HierarchiesTests
{
    // The test machine's hybrid layout, with a merged cpu,cpuacct as other distributions have it, and the
    // copies an rbind of /sys into a rootfs leaves behind.
    const string Hybrid = """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro
        30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
        34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
        40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        90 22 0:31 / /b/rootfs/sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        91 22 0:31 / /srv/elsewhere/memory rw,relatime - cgroup cgroup rw,memory
        """;

    const string ProcCgroup = """
        9:name=systemd:/user.slice/user-1001.slice/session-3.scope
        4:memory:/process_api/abc
        2:cpu,cpuacct:/
        0::/user.slice/user-1001.slice/session-3.scope
        """;

    [Fact]
    public void Each_v1_hierarchy_is_found_once_at_the_hosts_mount_with_this_process_cgroup()
    {
        var found = CgroupV1Hierarchies.Parse(Hybrid, ProcCgroup, "/b/rootfs");

        Assert.Equal([
            new CgroupV1Hierarchy("/sys/fs/cgroup/cpu,cpuacct", "/", "cpu,cpuacct", "/"),
            new CgroupV1Hierarchy("/sys/fs/cgroup/memory", "/", "memory", "/process_api/abc"),
            new CgroupV1Hierarchy("/sys/fs/cgroup/systemd", "/", "name=systemd", "/user.slice/user-1001.slice/session-3.scope"),
        ], found);
    }

    [Fact]
    public void A_cgroup2_only_host_has_no_v1_hierarchy()
    {
        const string pureV2 = "24 23 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:3 - cgroup2 cgroup2 rw,nsdelegate\n";
        Assert.Empty(CgroupV1Hierarchies.Parse(pureV2, "0::/user.slice\n"));
    }

    [Fact]
    public void Mounts_under_the_rootfs_are_not_the_hosts()
    {
        const string onlyInRootfs = "90 22 0:31 / /b/rootfs/sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n";
        Assert.Empty(CgroupV1Hierarchies.Parse(onlyInRootfs, "4:memory:/\n", "/b/rootfs"));
    }

    [Theory]
    [InlineData("/", "/a/b", "/sys/fs/cgroup/memory/a/b")]
    [InlineData("/", "/../..", "/sys/fs/cgroup/memory")]
    [InlineData("/", "/", "/sys/fs/cgroup/memory")]
    [InlineData("/a", "/a/b", "/sys/fs/cgroup/memory/b")]
    [InlineData("/a", "/a", "/sys/fs/cgroup/memory")]
    [InlineData("/a", "/ab", "/sys/fs/cgroup/memory")]
    [InlineData("/a/b", "/../..", "/sys/fs/cgroup/memory")]
    public void The_bind_source_is_this_process_cgroup_under_the_mount_or_the_mount_itself(string root, string path, string expected)
    {
        Assert.Equal(expected, new CgroupV1Hierarchy("/sys/fs/cgroup/memory", root, "memory", path).OwnCgroupDir);
    }
}
