using Rlrun.Runtime.Cgroups;
using Rlrun.Runtime.Spec;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Cgroups;

/// <summary>CgroupfsManager on a fake cgroup tree in a temp dir: plain directories with
/// cgroup.procs files, so nothing here touches a real cgroup.</summary>
public class CgroupfsManagerTests : IDisposable
{
    const string Own = "/user.slice/user-1000.slice/app.slice/term.scope";

    readonly FakeCgroupTree _tree = new();

    public void Dispose() => _tree.Dispose();

    CgroupfsManager Manager(string own = Own, uint? euid = null) => new(_tree.Mount, own, euid ?? FakeCgroupTree.Owner);

    /// <summary>Every cgroup from the mount down to Own, each delegated.</summary>
    void DelegateAll()
    {
        _tree.Cgroup("/");
        _tree.Cgroup("/user.slice");
        _tree.Cgroup("/user.slice/user-1000.slice");
        _tree.Cgroup("/user.slice/user-1000.slice/app.slice");
        _tree.Cgroup(Own);
    }

    [Fact]
    public void DelegationRoot_climbs_while_the_parents_are_ours()
    {
        DelegateAll();
        Assert.Equal(_tree.Mount, Manager().DelegationRoot());
    }

    [Fact]
    public void DelegationRoot_stops_below_a_parent_that_is_not_a_writable_cgroup()
    {
        _tree.Cgroup("/");
        _tree.Cgroup("/user.slice");
        _tree.Cgroup("/user.slice/user-1000.slice", procsFile: false);
        _tree.Cgroup("/user.slice/user-1000.slice/app.slice");
        _tree.Cgroup(Own);
        Assert.Equal(_tree.PathOf("/user.slice/user-1000.slice/app.slice"), Manager().DelegationRoot());
    }

    [Fact]
    public void DelegationRoot_stops_at_our_cgroup_when_the_parent_is_not_ours()
    {
        DelegateAll();
        // Every directory is owned by someone other than the manager's euid.
        Assert.Equal(_tree.PathOf(Own), Manager(euid: FakeCgroupTree.Stranger).DelegationRoot());
    }

    [Fact]
    public void DelegationRoot_stops_below_a_parent_owned_by_someone_else()
    {
        if (!FakeCgroupTree.AsRoot)
        {
            // Without root a directory owned by someone else cannot be made; a parent that is not
            // ours is then only the case of DelegationRoot_stops_at_our_cgroup_when_the_parent_is_not_ours.
            DelegateAll();
            Assert.Equal(_tree.PathOf(Own), Manager(euid: FakeCgroupTree.Stranger).DelegationRoot());
            return;
        }
        _tree.Cgroup("/");
        _tree.Cgroup("/user.slice");
        _tree.Cgroup("/user.slice/user-1000.slice", owned: false); // root's, as systemd leaves it
        _tree.Cgroup("/user.slice/user-1000.slice/app.slice");
        _tree.Cgroup(Own);
        Assert.Equal(_tree.PathOf("/user.slice/user-1000.slice/app.slice"), Manager().DelegationRoot());
    }

    [Fact]
    public void DelegationRoot_is_none_when_our_cgroup_is_not_writable()
    {
        DelegateAll();
        File.Delete(Path.Join(_tree.PathOf(Own), "cgroup.procs"));
        Assert.Null(Manager().DelegationRoot());
        Assert.Null(Manager(euid: 0).DelegationRoot());
    }

    [Fact]
    public void DelegationRoot_is_none_when_our_cgroup_is_missing()
    {
        _tree.Cgroup("/");
        Assert.Null(Manager().DelegationRoot());
    }

    [Fact]
    public void As_root_the_delegation_root_is_the_mount_point()
    {
        // Only our own cgroup is a cgroup here: root does not need the parents.
        _tree.Cgroup(Own);
        Assert.Equal(_tree.Mount, Manager(euid: 0).DelegationRoot());
    }

    [Fact]
    public void DelegationRoot_when_we_are_in_the_root_cgroup()
    {
        _tree.Cgroup("/");
        Assert.Equal(_tree.Mount, Manager("/").DelegationRoot());
    }

    [Fact]
    public void Without_a_cgroupsPath_the_container_goes_under_the_delegation_root()
    {
        _tree.Cgroup("/", owned: false, procsFile: false);
        _tree.Cgroup("/user.slice", procsFile: false);
        _tree.Cgroup("/user.slice/user-1000.slice");
        _tree.Cgroup("/user.slice/user-1000.slice/app.slice");
        _tree.Cgroup(Own);
        string expected = _tree.PathOf("/user.slice/user-1000.slice/rlrun-web");
        Assert.Equal(expected, Manager().PathFor("web", null));
        Assert.Equal(expected, Manager().PathFor("web", ""));
    }

    [Fact]
    public void Without_a_cgroupsPath_and_no_delegation_it_is_an_error()
    {
        _tree.Cgroup(Own, procsFile: false);
        var e = Assert.Throws<CgroupException>(() => Manager().PathFor("web", null));
        Assert.Contains(_tree.PathOf(Own), e.Message);
        Assert.Contains("not delegated", e.Message);
        Assert.Contains(FakeCgroupTree.Owner.ToString(), e.Message);
    }

    [Fact]
    public void An_absolute_cgroupsPath_is_under_the_mount_point()
    {
        Assert.Equal(_tree.PathOf("/machine.slice/web"), Manager().PathFor("web", "/machine.slice/web"));
    }

    [Fact]
    public void A_relative_cgroupsPath_is_under_our_own_cgroup()
    {
        Assert.Equal(_tree.PathOf(Own + "/pods/web"), Manager().PathFor("web", "pods/web"));
    }

    [Theory]
    [InlineData("user.slice:rlrun:web")]
    [InlineData(":rlrun:web")]
    public void A_systemd_form_cgroupsPath_is_an_error_pointing_at_the_systemd_manager(string path)
    {
        var e = Assert.Throws<CgroupException>(() => Manager().PathFor("web", path));
        Assert.Contains(path, e.Message);
        Assert.Contains("--cgroup-manager systemd", e.Message);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("/a/../../escape")]
    [InlineData("pods/..")]
    [InlineData("..")]
    public void A_cgroupsPath_climbing_out_is_an_error(string path)
    {
        var e = Assert.Throws<CgroupException>(() => Manager().PathFor("web", path));
        Assert.Contains("'..'", e.Message);
    }

    [Fact]
    public void Dots_inside_a_name_are_not_climbing()
    {
        Assert.Equal(_tree.PathOf("/pods/web..1"), Manager().PathFor("web", "/pods/web..1"));
    }

    [Fact]
    public void EnableControllers_switches_on_only_the_missing_ones()
    {
        string parent = _tree.Cgroup("/p");
        _tree.Write("/p", "cgroup.controllers", "cpuset cpu io memory pids\n");
        _tree.Write("/p", "cgroup.subtree_control", "memory\n");
        CgroupfsManager.EnableControllers(parent, ["memory", "pids"]);
        // A real subtree_control takes one "+name" per write; the fake keeps the last one.
        Assert.Equal("+pids", _tree.Read("/p", "cgroup.subtree_control"));
    }

    [Fact]
    public void EnableControllers_with_all_enabled_writes_nothing()
    {
        string parent = _tree.Cgroup("/p");
        _tree.Write("/p", "cgroup.controllers", "memory pids\n");
        _tree.Write("/p", "cgroup.subtree_control", "memory pids\n");
        CgroupfsManager.EnableControllers(parent, ["pids", "memory"]);
        Assert.Equal("memory pids\n", _tree.Read("/p", "cgroup.subtree_control"));
    }

    [Fact]
    public void EnableControllers_of_a_controller_not_given_to_us_is_an_error()
    {
        string parent = _tree.Cgroup("/p");
        _tree.Write("/p", "cgroup.controllers", "memory pids\n");
        _tree.Write("/p", "cgroup.subtree_control", "");
        var e = Assert.Throws<CgroupException>(() => CgroupfsManager.EnableControllers(parent, ["io"]));
        Assert.Contains("the io controller is not available", e.Message);
        Assert.Contains(parent, e.Message);
        Assert.Contains("memory pids", e.Message);
    }

    [Fact]
    public void Create_makes_the_cgroup_writes_the_resources_and_moves_the_pid_in()
    {
        DelegateAll();
        _tree.Write(Own, "cgroup.controllers", "cpu memory pids\n");
        _tree.Write(Own, "cgroup.subtree_control", "memory\n");
        var resources = new SpecResources { Memory = new() { Limit = 1 << 20 }, Pids = new() { Limit = 32 } };

        var cg = Manager().Create("web", 4321, resources, "web", Specs.Minimal());

        string dir = _tree.PathOf(Own + "/web");
        Assert.NotNull(cg);
        Assert.Equal(new ContainerCgroup("cgroupfs", dir), cg);
        Assert.Equal("1048576", File.ReadAllText(Path.Join(dir, "memory.max")));
        Assert.Equal("32", File.ReadAllText(Path.Join(dir, "pids.max")));
        Assert.Equal("4321", File.ReadAllText(Path.Join(dir, "cgroup.procs")));
        // memory was on already; pids is switched on in the parent.
        Assert.Equal("+pids", _tree.Read(Own, "cgroup.subtree_control"));
    }

    [Fact]
    public void Create_fails_before_making_the_cgroup_when_a_controller_is_not_delegated()
    {
        DelegateAll();
        _tree.Write(Own, "cgroup.controllers", "pids\n");
        var resources = new SpecResources { Memory = new() { Limit = 1 << 20 } };
        var e = Assert.Throws<CgroupException>(() => Manager().Create("web", 1, resources, "web", Specs.Minimal()));
        Assert.Contains("memory controller is not available", e.Message);
        Assert.False(Directory.Exists(_tree.PathOf(Own + "/web")));
    }

    [Fact]
    public void Create_with_containerds_defaults_needs_no_controller()
    {
        // This host's cgroup v2: only hugetlb; containerd's spec asks for the default weight and devices.
        DelegateAll();
        _tree.Write(Own, "cgroup.controllers", "hugetlb\n");
        _tree.Write(Own, "cgroup.subtree_control", "");
        var resources = new SpecResources
        {
            Cpu = new() { Shares = 1024 }, Memory = new() { Limit = -1 }, Pids = new() { Limit = -1 },
            Devices = [new() { Allow = false, Access = "rwm" }],
        };
        string said = "";
        CgroupfsManager.Debug = m => said += m + "\n";
        try
        {
            var cg = Manager().Create("web", 7, resources, "web", Specs.Minimal());
            Assert.Equal(_tree.PathOf(Own + "/web"), cg!.Path);
            Assert.False(File.Exists(Path.Join(cg.Path, "cpu.weight")));
            Assert.False(File.Exists(Path.Join(cg.Path, "memory.max")));
            Assert.Equal("7", File.ReadAllText(Path.Join(cg.Path, "cgroup.procs")));
            Assert.Equal("", _tree.Read(Own, "cgroup.subtree_control"));
            Assert.Contains("cpu.weight=39", said);
            Assert.Contains("left out", said);
        }
        finally { CgroupfsManager.Debug = null; }
    }

    [Fact]
    public void Create_with_a_real_limit_still_needs_its_controller()
    {
        DelegateAll();
        _tree.Write(Own, "cgroup.controllers", "hugetlb\n");
        var resources = new SpecResources { Cpu = new() { Shares = 512 } };
        var e = Assert.Throws<CgroupException>(() => Manager().Create("web", 1, resources, "web", Specs.Minimal()));
        Assert.Contains("the cpu controller is not available", e.Message);
        Assert.Contains("cgroup.controllers: hugetlb", e.Message);
        Assert.False(Directory.Exists(_tree.PathOf(Own + "/web")));
    }

    [Fact]
    public void Create_with_the_controller_writes_the_default_as_asked()
    {
        DelegateAll();
        _tree.Write(Own, "cgroup.controllers", "cpu\n");
        _tree.Write(Own, "cgroup.subtree_control", "cpu\n");
        var cg = Manager().Create("web", 1, new SpecResources { Cpu = new() { Shares = 1024 } }, "web", Specs.Minimal());
        Assert.Equal("39", File.ReadAllText(Path.Join(cg!.Path, "cpu.weight")));
    }

    [Fact]
    public void Create_of_an_existing_cgroup_is_an_error()
    {
        DelegateAll();
        _tree.Cgroup("/machine/web");
        var e = Assert.Throws<CgroupException>(() => Manager().Create("web", 1, null, "/machine/web", Specs.Minimal()));
        Assert.Contains("already exists", e.Message);
        Assert.Contains(_tree.PathOf("/machine/web"), e.Message);
    }

    [Fact]
    public void Create_makes_missing_parent_directories()
    {
        DelegateAll();
        var cg = Manager().Create("web", 99, null, "/a/b/c/web", Specs.Minimal());
        Assert.Equal(_tree.PathOf("/a/b/c/web"), cg!.Path);
        Assert.Equal("99", File.ReadAllText(Path.Join(cg.Path, "cgroup.procs")));
    }

    [Fact]
    public void The_manager_is_named_cgroupfs()
    {
        Assert.Equal("cgroupfs", Manager().Name);
        Assert.Equal("disabled", new DisabledCgroupManager().Name);
        Assert.Null(new DisabledCgroupManager().Create("web", 1, new SpecResources { Pids = new() { Limit = 1 } }, null, Specs.Minimal()));
    }
}
