using Rlrun.Runtime.Cgroups;
using Xunit;

namespace Rlrun.UnitTests.Cgroups;

// The prefetch is process-wide state: these are its only users, and xunit runs one class's tests in turn.
public sealed class CgroupManagerPrefetchTests
{
    [Fact]
    public void Select_takes_the_prefetched_choice_and_says_its_warnings_to_the_taker()
    {
        CgroupManagerPrefetch.Start(CgroupManagers.Disabled, wantsLimits: true, cgroupsPath: null);
        var said = new List<string>();
        var manager = CgroupManagers.Select(CgroupManagers.Disabled, wantsLimits: true, said.Add);
        Assert.Equal(CgroupManagers.Disabled, manager.Name);
        Assert.Equal(["--cgroup-manager disabled: linux.resources are not enforced"], said);
    }

    [Fact]
    public void Another_question_drops_the_prefetch_and_is_answered_afresh()
    {
        CgroupManagerPrefetch.Start(CgroupManagers.Disabled, wantsLimits: true, cgroupsPath: null);
        var said = new List<string>();
        Assert.Equal(CgroupManagers.Disabled, CgroupManagers.Select(CgroupManagers.Disabled, wantsLimits: false, said.Add).Name);
        Assert.Empty(said); // not the prefetch's warning: it asked about limits
        // Dropped, not kept for later: the same question now is answered afresh, once.
        Assert.Equal(CgroupManagers.Disabled, CgroupManagers.Select(CgroupManagers.Disabled, wantsLimits: true, said.Add).Name);
        Assert.Single(said);
    }

    [Fact]
    public void What_the_choice_threw_is_thrown_by_select()
    {
        // No systemd factory is registered in the unit tests: asked by name, systemd throws on the prefetch's thread.
        CgroupManagerPrefetch.Start(CgroupManagers.Systemd, wantsLimits: false, cgroupsPath: null);
        var e = Assert.Throws<CgroupException>(() => CgroupManagers.Select(CgroupManagers.Systemd, wantsLimits: false, _ => { }));
        Assert.Contains("no systemd manager answers", e.Message);
    }
}
