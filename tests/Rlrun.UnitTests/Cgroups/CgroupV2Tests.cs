using Rlrun.Runtime.Cgroups;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Cgroups;

public class CgroupV2Tests
{
    const string Hybrid = """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro
        25 22 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
        26 25 0:24 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755
        27 26 0:25 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
        28 26 0:26 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,name=systemd
        29 26 0:27 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,memory
        """;

    const string PureV2 = """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        23 22 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
        24 23 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:3 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
        25 22 0:5 / /dev rw,nosuid shared:4 - devtmpfs udev rw,size=4010000k
        """;

    const string V1Only = """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        26 25 0:24 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755
        28 26 0:26 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,name=systemd
        29 26 0:27 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,memory
        """;

    [Fact]
    public void On_a_hybrid_host_cgroup2_is_the_unified_mount()
    {
        Assert.Equal("/sys/fs/cgroup/unified", CgroupV2.ParseMountPoint(Hybrid));
    }

    [Fact]
    public void On_a_pure_v2_host_cgroup2_is_at_sys_fs_cgroup()
    {
        Assert.Equal("/sys/fs/cgroup", CgroupV2.ParseMountPoint(PureV2));
    }

    [Fact]
    public void Without_cgroup2_there_is_no_mount_point()
    {
        Assert.Null(CgroupV2.ParseMountPoint(V1Only));
        Assert.Null(CgroupV2.ParseMountPoint(""));
    }

    [Fact]
    public void A_mount_without_optional_fields_is_parsed()
    {
        Assert.Equal("/cg", CgroupV2.ParseMountPoint("30 1 0:30 / /cg rw - cgroup2 none rw\n"));
    }

    [Fact]
    public void A_mount_point_with_many_optional_fields_is_parsed()
    {
        Assert.Equal("/cg", CgroupV2.ParseMountPoint("30 1 0:30 / /cg rw shared:5 master:3 propagate_from:2 - cgroup2 none rw\n"));
    }

    [Fact]
    public void Escaped_spaces_in_the_mount_point_are_unescaped()
    {
        Assert.Equal("/mnt/my cgroup", CgroupV2.ParseMountPoint("30 1 0:30 / /mnt/my\\040cgroup rw - cgroup2 cgroup2 rw\n"));
    }

    [Fact]
    public void A_cgroup_v1_mount_named_cgroup2_by_source_is_not_taken()
    {
        // Only the filesystem type counts, not the source field.
        Assert.Null(CgroupV2.ParseMountPoint("30 1 0:30 / /cg rw - cgroup cgroup2 rw,memory\n"));
    }

    [Fact]
    public void MountPoint_reads_a_mountinfo_file_and_a_missing_one_is_none()
    {
        using var dir = new TempDir();
        string path = dir.Join("mountinfo");
        File.WriteAllText(path, Hybrid);
        Assert.Equal("/sys/fs/cgroup/unified", CgroupV2.MountPoint(path));
        Assert.Null(CgroupV2.MountPoint(dir.Join("missing")));
    }

    [Fact]
    public void The_own_path_is_the_v2_line()
    {
        const string content = "12:memory:/user.slice\n1:name=systemd:/user.slice/user-1000.slice/session-2.scope\n0::/user.slice/user-1000.slice/session-2.scope\n";
        Assert.Equal("/user.slice/user-1000.slice/session-2.scope", CgroupV2.ParseOwnPath(content));
    }

    [Fact]
    public void The_own_path_on_a_pure_v2_host()
    {
        Assert.Equal("/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope",
            CgroupV2.ParseOwnPath("0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope\n"));
        Assert.Equal("/", CgroupV2.ParseOwnPath("0::/\n"));
    }

    [Fact]
    public void Without_a_v2_line_there_is_no_own_path()
    {
        Assert.Null(CgroupV2.ParseOwnPath("12:memory:/user.slice\n1:name=systemd:/user.slice\n"));
        Assert.Null(CgroupV2.ParseOwnPath(""));
    }

    [Fact]
    public void OwnPath_reads_a_file_and_a_missing_one_is_none()
    {
        using var dir = new TempDir();
        string path = dir.Join("cgroup");
        File.WriteAllText(path, "0::/a/b\n");
        Assert.Equal("/a/b", CgroupV2.OwnPath(path));
        Assert.Null(CgroupV2.OwnPath(dir.Join("missing")));
    }

    [Fact]
    public void Controllers_and_procs_are_read_from_the_files()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Join("cgroup.controllers"), "cpuset cpu io memory pids\n");
        File.WriteAllText(dir.Join("cgroup.subtree_control"), "memory pids\n");
        File.WriteAllText(dir.Join("cgroup.procs"), "12\n345\n");
        Assert.Equal(new HashSet<string> { "cpuset", "cpu", "io", "memory", "pids" }, CgroupV2.Controllers(dir.Path));
        Assert.Equal(new HashSet<string> { "memory", "pids" }, CgroupV2.Controllers(dir.Path, "cgroup.subtree_control"));
        Assert.Equal([12, 345], CgroupV2.Procs(dir.Path));
    }

    [Fact]
    public void Missing_controller_and_procs_files_are_empty()
    {
        using var dir = new TempDir();
        Assert.Empty(CgroupV2.Controllers(dir.Path));
        Assert.Empty(CgroupV2.Procs(dir.Path));
        Assert.Empty(CgroupV2.Procs(dir.Join("no-such-cgroup")));
        File.WriteAllText(dir.Join("cgroup.controllers"), "\n");
        Assert.Empty(CgroupV2.Controllers(dir.Path));
    }

    [Fact]
    public void Write_names_the_file_and_value_when_it_fails()
    {
        using var dir = new TempDir();
        CgroupV2.Write(dir.Path, "memory.max", "1000");
        Assert.Equal("1000", CgroupV2.Read(dir.Path, "memory.max"));

        var e = Assert.Throws<IOException>(() => CgroupV2.Write(dir.Join("missing"), "memory.max", "1000"));
        Assert.StartsWith($"write 1000 to {dir.Join("missing", "memory.max")}:", e.Message);
    }
}
