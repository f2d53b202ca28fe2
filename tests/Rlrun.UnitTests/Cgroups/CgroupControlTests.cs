using System.Diagnostics;
using Rlrun.Runtime.Cgroups;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Cgroups;

/// <summary>CgroupControl on fake cgroup dirs: only the file reading and writing parts.</summary>
public class CgroupControlTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    void Events(string content) => File.WriteAllText(_dir.Join("cgroup.events"), content);

    [Fact]
    public void Frozen_1_in_cgroup_events_is_frozen()
    {
        Events("populated 1\nfrozen 1\n");
        Assert.True(CgroupControl.IsFrozen(_dir.Path));
    }

    [Fact]
    public void Frozen_0_is_not_frozen()
    {
        Events("populated 1\nfrozen 0\n");
        Assert.False(CgroupControl.IsFrozen(_dir.Path));
    }

    [Fact]
    public void Only_the_frozen_key_counts()
    {
        Events("populated 1\nfrozen 0\nnotfrozen 1\n");
        Assert.False(CgroupControl.IsFrozen(_dir.Path));
        Events("frozen 1");
        Assert.True(CgroupControl.IsFrozen(_dir.Path));
    }

    [Fact]
    public void Without_cgroup_events_it_is_not_frozen()
    {
        Assert.False(CgroupControl.IsFrozen(_dir.Path));
        Assert.False(CgroupControl.IsFrozen(_dir.Join("gone")));
    }

    [Fact]
    public async Task SetFrozen_writes_cgroup_freeze_and_waits_for_the_event()
    {
        Events("populated 1\nfrozen 0\n");
        var kernel = Task.Run(async () =>
        {
            // The "kernel" takes a moment to report the freeze.
            while (!File.Exists(_dir.Join("cgroup.freeze"))) await Task.Delay(5);
            await Task.Delay(100);
            Events("populated 1\nfrozen 1\n");
        });
        var sw = Stopwatch.StartNew();
        CgroupControl.SetFrozen(_dir.Path, true);
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(90), $"returned after {sw.Elapsed}");
        Assert.Equal("1", File.ReadAllText(_dir.Join("cgroup.freeze")));
        await kernel;
    }

    [Fact]
    public void SetFrozen_false_writes_0()
    {
        Events("frozen 0\n");
        CgroupControl.SetFrozen(_dir.Path, false);
        Assert.Equal("0", File.ReadAllText(_dir.Join("cgroup.freeze")));
    }

    [Fact]
    public void SIGKILL_goes_through_cgroup_kill_when_there_is_one()
    {
        File.WriteAllText(_dir.Join("cgroup.kill"), "");
        File.WriteAllText(_dir.Join("cgroup.procs"), "999999999\n");
        CgroupControl.Signal(_dir.Path, 9);
        Assert.Equal("1", File.ReadAllText(_dir.Join("cgroup.kill")));
    }

    [Fact]
    public void Other_signals_go_to_each_process_listed()
    {
        using var sleeper = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            File.WriteAllText(_dir.Join("cgroup.kill"), "");
            File.WriteAllText(_dir.Join("cgroup.procs"), $"{sleeper.Id}\n");
            CgroupControl.Signal(_dir.Path, 15);
            Assert.True(sleeper.WaitForExit(5000));
            Assert.Equal("", File.ReadAllText(_dir.Join("cgroup.kill")));
        }
        finally
        {
            if (!sleeper.HasExited) sleeper.Kill();
        }
    }

    [Fact]
    public void Remove_of_a_missing_cgroup_is_quiet()
    {
        CgroupControl.Remove(_dir.Join("gone"));
        Assert.False(CgroupControl.Exists(_dir.Join("gone")));
        Assert.True(CgroupControl.Exists(_dir.Path));
    }

    [Fact]
    public void Remove_of_an_empty_cgroup_removes_it_and_its_children()
    {
        // Real cgroup dirs rmdir with their interface files in them; empty plain dirs stand in.
        Directory.CreateDirectory(_dir.Join("web", "sub", "leaf"));
        CgroupControl.Remove(_dir.Join("web"));
        Assert.False(Directory.Exists(_dir.Join("web")));
    }

    [Fact]
    public void WriteResources_of_the_default_weight_needs_no_cpu_controller()
    {
        // update --cpu-share 1024 of a container whose parent has only hugetlb (this host's v2).
        File.WriteAllText(_dir.Join("cgroup.controllers"), "hugetlb\n");
        File.WriteAllText(_dir.Join("cgroup.subtree_control"), "");
        Directory.CreateDirectory(_dir.Join("web"));
        CgroupControl.WriteResources(_dir.Join("web"), new Rlrun.Runtime.Spec.SpecResources { Cpu = new() { Shares = 1024 } });
        Assert.False(File.Exists(_dir.Join("web", "cpu.weight")));
        var e = Assert.Throws<CgroupException>(() =>
            CgroupControl.WriteResources(_dir.Join("web"), new Rlrun.Runtime.Spec.SpecResources { Pids = new() { Limit = 10 } }));
        Assert.Contains("the pids controller is not available", e.Message);
    }
}
