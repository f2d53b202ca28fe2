using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>containerd's default spec asks every container for linux.resources.cpu.shares 1024
/// (the kernel's default weight) and device rules. Run as root with the cgroupfs manager and
/// cgroupsPath "/ID" (containerd's "/NAMESPACE/ID" shape): on a host whose cgroup2 root lacks the
/// cpu controller (this hybrid host: only hugetlb) the default needs none, a real weight does.</summary>
public sealed class DefaultResourcesTests : IDisposable
{
    readonly Sandbox? _s = Host.IsRoot ? new Sandbox(asRoot: true) : null;
    public void Dispose() => _s?.Dispose();

    internal static string? CgroupMount() => File.ReadLines("/proc/self/mountinfo")
        .Select(l => l.Split(" - "))
        .Where(p => p.Length == 2 && p[1].StartsWith("cgroup2 "))
        .Select(p => p[0].Split(' ')[4]).FirstOrDefault();

    internal static bool RootOffersCpu(string mount) =>
        File.ReadAllText(Path.Join(mount, "cgroup.controllers")).Split(' ', '\n').Contains("cpu");

    /// <summary>containerd's resources: the default weight, no memory or pids limit, deny-all
    /// device rules with the usual nodes allowed.</summary>
    static JsonObject ContainerdResources(ulong shares) => new()
    {
        ["cpu"] = new JsonObject { ["shares"] = shares },
        ["memory"] = new JsonObject { ["limit"] = -1 },
        ["pids"] = new JsonObject { ["limit"] = -1 },
        ["devices"] = new JsonArray(
            new JsonObject { ["allow"] = false, ["access"] = "rwm" },
            new JsonObject { ["allow"] = true, ["type"] = "c", ["major"] = 1, ["minor"] = 3, ["access"] = "rwm" },
            new JsonObject { ["allow"] = true, ["type"] = "c", ["major"] = 1, ["minor"] = 5, ["access"] = "rwm" },
            new JsonObject { ["allow"] = true, ["type"] = "c", ["major"] = 1, ["minor"] = 9, ["access"] = "rwm" }),
    };

    ProcResult Run(string id, ulong shares, string mount)
    {
        var b = _s!.NewBundle(["sh", "-c", "echo x > /dev/null && echo defaults-ok"], c =>
        {
            c["linux"]!["resources"] = ContainerdResources(shares);
            c["linux"]!["cgroupsPath"] = "/" + id;
        });
        return _s.Rl(["--debug", "--cgroup-manager", "cgroupfs", "run", "--bundle", b.Path, id]);
    }

    [RootFact]
    public void Containerds_default_weight_and_device_rules_need_no_cpu_controller()
    {
        string mount = CgroupMount() ?? throw new Xunit.Sdk.XunitException("no cgroup2 mount in /proc/self/mountinfo (cgroup v1 only is not supported)");
        string id = _s!.NewId("shim-defaults");
        var r = Run(id, 1024, mount);
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        Assert.Equal("defaults-ok", r.Stdout.Trim());
        Assert.Contains($"cgroup: {Path.Join(mount, id)}", r.Stderr);
        if (!RootOffersCpu(mount)) Assert.Contains("cpu.weight=39", r.Stderr); // the --debug line saying it was left out
        Assert.False(Directory.Exists(Path.Join(mount, id)), "the container's cgroup outlived run");
    }

    [NoCpuControllerFact]
    public void A_real_weight_still_needs_the_cpu_controller()
    {
        string mount = CgroupMount() ?? throw new Xunit.Sdk.XunitException("no cgroup2 mount in /proc/self/mountinfo (cgroup v1 only is not supported)");
        string id = _s!.NewId("shim-weight");
        var r = Run(id, 512, mount);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"the cpu controller is not available in {mount}", r.Stderr);
        Assert.DoesNotContain("defaults-ok", r.Stdout);
        Assert.False(Directory.Exists(Path.Join(mount, id)), "a failed create left its cgroup");
        Assert.False(Directory.Exists(_s.StateDir(id)), "a failed create left its state dir");
    }
}

/// <summary>Root, and a cgroup2 root without the cpu controller (a hybrid host such as this one;
/// on a pure cgroup v2 host the weight is enforced instead, which the VM lane checks).</summary>
public sealed class NoCpuControllerFactAttribute : FactAttribute
{
    public NoCpuControllerFactAttribute()
    {
        if (!Host.IsRoot) Skip = "requires root: the test process is not root";
        else if (DefaultResourcesTests.CgroupMount() is not { } mount) Skip = "requires a cgroup2 mount: there is none in /proc/self/mountinfo";
        else if (DefaultResourcesTests.RootOffersCpu(mount)) Skip = $"requires a cgroup2 root without the cpu controller: {mount}/cgroup.controllers has it here";
    }
}
