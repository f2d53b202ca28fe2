using Rlrun.Runtime.IdMapping;
using Rlrun.Runtime.Spec;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.IdMapping;

public class IdMapPlannerTests
{
    const string Subuid = "# ranges\nroot:1000000:65536\nalice:100000:65536\n";
    const string Subgid = "alice:200000:65536\n1000:900000:10\n";

    static Caller Alice(bool ranges = true, bool helpers = true) => new(1000, 1001, "alice", false,
        ranges ? SubordinateIds.Parse(Subuid, "alice", 1000) : [],
        ranges ? SubordinateIds.Parse(Subgid, "alice", 1001) : [], helpers);

    static Caller Root(bool foreign) => new(0, 0, "root", foreign, [], [], true);

    static OciSpec WithMappings(SpecIdMapping[]? uids, SpecIdMapping[]? gids)
    {
        var spec = Specs.Default(rootless: true);
        spec.Linux!.UidMappings = uids?.ToList();
        spec.Linux.GidMappings = gids?.ToList();
        return spec;
    }

    static SpecIdMapping M(uint c, uint h, uint n) => new() { ContainerID = c, HostID = h, Size = n };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Unprivileged_caller_with_ranges_maps_root_to_self_and_the_rest_to_the_range(bool configHasUserNs)
    {
        var plan = IdMapPlanner.Plan(Specs.Default(configHasUserNs), Alice());

        Assert.True(plan.Create);
        Assert.Equal([new IdMap(0, 1000, 1), new IdMap(1, 100000, 65536)], plan.UidMap);
        Assert.Equal([new IdMap(0, 1001, 1), new IdMap(1, 200000, 65536)], plan.GidMap);
        Assert.True(plan.UseHelpers);
        Assert.True(plan.SetgroupsAllowed);
    }

    [Fact]
    public void Without_a_subordinate_range_the_maps_are_single_ids_written_directly()
    {
        var plan = IdMapPlanner.Plan(Specs.Default(false), Alice(ranges: false));

        Assert.True(plan.Create);
        Assert.Equal([new IdMap(0, 1000, 1)], plan.UidMap);
        Assert.Equal([new IdMap(0, 1001, 1)], plan.GidMap);
        Assert.False(plan.UseHelpers);
        Assert.False(plan.SetgroupsAllowed);
        Assert.Contains("alice", plan.Note);
    }

    [Fact]
    public void A_uid_range_without_a_gid_range_is_not_enough()
    {
        var caller = Alice() with { SubGids = [] };
        var plan = IdMapPlanner.Plan(Specs.Default(false), caller);
        Assert.Equal([new IdMap(0, 1000, 1)], plan.UidMap);
        Assert.False(plan.UseHelpers);
    }

    [Fact]
    public void Without_the_helpers_the_maps_are_single_ids()
    {
        var plan = IdMapPlanner.Plan(Specs.Default(true), Alice(helpers: false));

        Assert.True(plan.Create);
        Assert.Equal([new IdMap(0, 1000, 1)], plan.UidMap);
        Assert.Equal([new IdMap(0, 1001, 1)], plan.GidMap);
        Assert.False(plan.UseHelpers);
        Assert.False(plan.SetgroupsAllowed);
        Assert.Contains("newuidmap", plan.Note);
    }

    [Fact]
    public void Root_without_a_user_namespace_in_the_config_gets_none()
    {
        var plan = IdMapPlanner.Plan(Specs.Default(false), Root(foreign: false));
        Assert.False(plan.Create);
        Assert.Empty(plan.UidMap);
        Assert.Empty(plan.GidMap);
    }

    [Fact]
    public void Euid_0_in_a_foreign_user_namespace_adds_none()
    {
        var plan = IdMapPlanner.Plan(Specs.Default(false), Root(foreign: true));
        Assert.False(plan.Create);
        Assert.Empty(plan.UidMap);
        Assert.Contains("user namespace", plan.Note);
    }

    [Fact]
    public void Root_asking_for_a_user_namespace_without_mappings_gets_identity_maps()
    {
        var plan = IdMapPlanner.Plan(Specs.Default(true), Root(foreign: false));
        Assert.True(plan.Create);
        Assert.Equal([new IdMap(0, 0, uint.MaxValue)], plan.UidMap);
        Assert.Equal([new IdMap(0, 0, uint.MaxValue)], plan.GidMap);
        Assert.False(plan.UseHelpers);
    }

    [Fact]
    public void Euid_0_in_a_foreign_namespace_asking_for_one_gets_only_itself_not_identity()
    {
        var plan = IdMapPlanner.Plan(Specs.Default(true), Root(foreign: true));
        Assert.True(plan.Create);
        Assert.Equal([new IdMap(0, 0, 1)], plan.UidMap);
        Assert.False(plan.UseHelpers);
    }

    [Fact]
    public void Joining_a_user_namespace_by_path_creates_none()
    {
        var spec = WithMappings([M(0, 100000, 65536)], [M(0, 100000, 65536)]);
        spec.Linux!.Namespaces!.Single(n => n.Type == "user").Path = "/proc/4242/ns/user";

        var plan = IdMapPlanner.Plan(spec, Alice());

        Assert.False(plan.Create);
        Assert.Empty(plan.UidMap);
        Assert.Contains("/proc/4242/ns/user", plan.Note);
    }

    [Fact]
    public void Config_mappings_of_only_the_callers_ids_are_written_directly()
    {
        var plan = IdMapPlanner.Plan(WithMappings([M(0, 1000, 1)], [M(0, 1001, 1)]), Alice());

        Assert.True(plan.Create);
        Assert.Equal([new IdMap(0, 1000, 1)], plan.UidMap);
        Assert.Equal([new IdMap(0, 1001, 1)], plan.GidMap);
        Assert.False(plan.UseHelpers);
        Assert.False(plan.SetgroupsAllowed);
    }

    [Fact]
    public void Config_mappings_of_own_ids_at_another_container_id_are_direct_too()
    {
        var plan = IdMapPlanner.Plan(WithMappings([M(1000, 1000, 1)], [M(1000, 1001, 1)]), Alice(ranges: false, helpers: false));
        Assert.False(plan.UseHelpers);
        Assert.Equal([new IdMap(1000, 1000, 1)], plan.UidMap);
    }

    [Fact]
    public void Config_mappings_needing_more_go_through_the_helpers_unchanged()
    {
        var spec = WithMappings([M(0, 1000, 1), M(1, 100000, 1000)], [M(0, 1001, 1), M(1, 200000, 1000)]);
        var plan = IdMapPlanner.Plan(spec, Alice());

        Assert.True(plan.Create);
        Assert.True(plan.UseHelpers);
        Assert.True(plan.SetgroupsAllowed);
        Assert.Equal([new IdMap(0, 1000, 1), new IdMap(1, 100000, 1000)], plan.UidMap);
        Assert.Equal([new IdMap(0, 1001, 1), new IdMap(1, 200000, 1000)], plan.GidMap);
    }

    [Fact]
    public void Own_uid_with_a_foreign_gid_needs_the_helpers()
    {
        var plan = IdMapPlanner.Plan(WithMappings([M(0, 1000, 1)], [M(0, 5, 1)]), Alice());
        Assert.True(plan.UseHelpers);
    }

    [Fact]
    public void Mappings_beyond_own_ids_without_helpers_are_a_spec_error()
    {
        var spec = WithMappings([M(0, 1000, 1), M(1, 100000, 1000)], [M(0, 1001, 1)]);
        var e = Assert.Throws<SpecError>(() => IdMapPlanner.Plan(spec, Alice(helpers: false)));
        Assert.Contains("linux.uidMappings", e.Message);
        Assert.Contains("newuidmap", e.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Only_one_kind_of_mapping_is_a_spec_error(bool onlyUids)
    {
        var maps = new[] { M(0, 1000, 1) };
        var spec = onlyUids ? WithMappings(maps, null) : WithMappings(null, maps);
        var e = Assert.Throws<SpecError>(() => IdMapPlanner.Plan(spec, Alice()));
        Assert.Contains(onlyUids ? "gidMappings" : "uidMappings", e.Message);
    }

    [Fact]
    public void Root_writes_any_config_mappings_directly()
    {
        var spec = WithMappings([M(0, 100000, 65536)], [M(0, 100000, 65536)]);
        var plan = IdMapPlanner.Plan(spec, Root(foreign: false));
        Assert.False(plan.UseHelpers);
        Assert.True(plan.SetgroupsAllowed);
        Assert.Equal([new IdMap(0, 100000, 65536)], plan.UidMap);
    }

    [Fact]
    public void The_plan_knows_which_container_ids_it_maps()
    {
        var plan = IdMapPlanner.Plan(Specs.Default(false), Alice());
        Assert.True(plan.MapsUid(0));
        Assert.True(plan.MapsUid(65536));
        Assert.False(plan.MapsUid(65537));
        Assert.True(plan.MapsGid(1));
        Assert.False(plan.MapsGid(uint.MaxValue));

        var single = IdMapPlanner.Plan(Specs.Default(false), Alice(ranges: false));
        Assert.True(single.MapsUid(0));
        Assert.False(single.MapsUid(1));
    }

    [Fact]
    public void Id_map_lines_are_in_the_kernels_format()
    {
        Assert.Equal("1 100000 65536", new IdMap(1, 100000, 65536).ToString());
    }
}
