using Rlrun.Runtime.IdMapping;
using Rlrun.Runtime.Spec;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.IdMapping;

/// <summary>rlrun as root inside a container (a user namespace it did not make) asked for a user namespace.</summary>
public class NestedMapsTests
{
    static readonly List<IdMap> Outer = EnclosingUserNamespace.ParseMap("         0       1001          1\n         1     100000      65536\n");

    static Caller RootInside(bool setuid = true, bool setgid = true, bool setfcap = true) =>
        new(0, 0, "root", true, [], [], false, new EnclosingUserNamespace(Outer, Outer, setuid, setgid, setfcap));

    [Fact]
    public void Proc_maps_parse_with_their_padding()
    {
        Assert.Equal([new IdMap(0, 1001, 1), new IdMap(1, 100000, 65536)], Outer);
    }

    [Fact]
    public void CapEff_is_read_as_hex()
    {
        ulong caps = EnclosingUserNamespace.EffectiveCapabilities("Name:\tsh\nCapInh:\t0000000000000000\nCapEff:\t00000000a80425fb\n");
        Assert.True(EnclosingUserNamespace.Has(caps, EnclosingUserNamespace.CapSetuid));
        Assert.True(EnclosingUserNamespace.Has(caps, EnclosingUserNamespace.CapSetfcap));
        Assert.False(EnclosingUserNamespace.Has(caps, EnclosingUserNamespace.CapSysAdmin));
    }

    [Fact]
    public void With_the_capabilities_every_id_of_the_outer_namespace_maps_to_itself_without_helpers()
    {
        var plan = IdMapPlanner.Plan(Specs.Default(true), RootInside());
        Assert.True(plan.Create);
        Assert.Equal([new IdMap(0, 0, 1), new IdMap(1, 1, 65536)], plan.UidMap);
        Assert.Equal([new IdMap(0, 0, 1), new IdMap(1, 1, 65536)], plan.GidMap);
        Assert.False(plan.UseHelpers);
        Assert.True(plan.SetgroupsAllowed);
        Assert.Contains("65537 IDs", plan.Note);
    }

    [Fact]
    public void A_config_without_a_user_namespace_still_gets_none_as_under_podman()
    {
        Assert.False(IdMapPlanner.Plan(Specs.Default(false), RootInside()).Create);
    }

    [Fact]
    public void Without_CAP_SETUID_only_root_maps_to_root()
    {
        var plan = IdMapPlanner.Plan(Specs.Default(true), RootInside(setuid: false));
        Assert.Equal([new IdMap(0, 0, 1)], plan.UidMap);
        Assert.False(plan.SetgroupsAllowed);
        Assert.Contains("CAP_SETUID", plan.Note);
    }

    [Fact]
    public void Without_CAP_SETFCAP_root_cannot_be_mapped_and_the_error_says_so()
    {
        var e = Assert.Throws<NestedUserNamespaceException>(() => IdMapPlanner.Plan(Specs.Default(true), RootInside(setfcap: false)));
        Assert.Contains("CAP_SETFCAP", e.Message);
    }

    [Fact]
    public void Config_mappings_of_outer_root_need_CAP_SETFCAP()
    {
        var spec = Specs.Default(true);
        spec.Linux!.UidMappings = [new SpecIdMapping { ContainerID = 0, HostID = 0, Size = 10 }];
        spec.Linux.GidMappings = [new SpecIdMapping { ContainerID = 0, HostID = 0, Size = 10 }];
        Assert.Contains("CAP_SETFCAP", Assert.Throws<NestedUserNamespaceException>(() => IdMapPlanner.Plan(spec, RootInside(setfcap: false))).Message);
        Assert.Contains("CAP_SETUID", Assert.Throws<NestedUserNamespaceException>(() => IdMapPlanner.Plan(spec, RootInside(setuid: false))).Message);
        Assert.Equal([new IdMap(0, 0, 10)], IdMapPlanner.Plan(spec, RootInside()).UidMap);
    }

    [Fact]
    public void Config_mappings_avoiding_outer_root_need_no_CAP_SETFCAP()
    {
        var spec = Specs.Default(true);
        spec.Linux!.UidMappings = [new SpecIdMapping { ContainerID = 0, HostID = 1, Size = 1000 }];
        spec.Linux.GidMappings = [new SpecIdMapping { ContainerID = 0, HostID = 1, Size = 1000 }];
        Assert.Equal([new IdMap(0, 1, 1000)], IdMapPlanner.Plan(spec, RootInside(setfcap: false)).UidMap);
    }
}
