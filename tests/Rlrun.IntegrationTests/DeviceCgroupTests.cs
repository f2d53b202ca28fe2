using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>Root, no user namespace, a cgroup2 mount: what a BPF device filter needs from the host.</summary>
public sealed class DeviceFilterFactAttribute : FactAttribute
{
    public DeviceFilterFactAttribute()
    {
        if (!Host.IsRoot) Skip = "requires root: the test process is not root (only root in the initial user namespace can load a BPF device program)";
        else if (!File.ReadAllText("/proc/self/uid_map").Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries).SequenceEqual(["0", "0", "4294967295"]))
            Skip = "requires the initial user namespace: /proc/self/uid_map is not \"0 0 4294967295\"";
        else if (!File.ReadLines("/proc/self/mountinfo").Any(l => l.Contains(" - cgroup2 ")))
            Skip = "requires a cgroup2 mount: there is none in /proc/self/mountinfo";
        else if (!Directory.Exists("/sys/dev/block/7:0"))
            Skip = "requires the loop driver's block device 7:0 (/sys/dev/block/7:0 is missing): its node is the one the filter refuses";
    }
}

/// <summary>linux.resources.devices as root with the cgroupfs manager: rlrun attaches an eBPF
/// device program to the container's cgroup. The node is b 7:0 (/dev/loop0, unbound: reading it
/// gives end of file) made with mknod inside the container: not c 1:5 (/dev/zero), which runc and
/// crun, and so rlrun, allow in every container whatever the rules say.</summary>
public sealed class DeviceCgroupTests : IDisposable
{
    readonly Sandbox? _s = Host.IsRoot ? new Sandbox(asRoot: true) : null;
    public void Dispose() => _s?.Dispose();

    const string Script = "echo > /dev/null && echo null-ok; mknod /tmp/z b 7 0 && head -c 1 /tmp/z > /dev/null && echo read-ok";

    static JsonObject Rule(bool allow, string access, string? type = null, int? major = null, int? minor = null)
    {
        var r = new JsonObject { ["allow"] = allow, ["access"] = access };
        if (type is not null) r["type"] = type;
        if (major is not null) r["major"] = major;
        if (minor is not null) r["minor"] = minor;
        return r;
    }

    /// <summary>`run` of Script with CAP_MKNOD and these rules (none: no linux.resources.devices).</summary>
    ProcResult Run(string tag, params JsonObject[] rules)
    {
        var b = _s!.NewBundle(["sh", "-c", Script], c =>
        {
            foreach (var set in new[] { "bounding", "effective", "permitted" })
                c["process"]!["capabilities"]![set]!.AsArray().Add("CAP_MKNOD");
            if (rules.Length > 0)
                c["linux"]!["resources"] = new JsonObject { ["devices"] = new JsonArray([.. rules]) };
        }, readonlyRoot: false);
        return _s.Rl(["--debug", "--cgroup-manager", "cgroupfs", "run", "--bundle", b.Path, _s.NewId(tag)]);
    }

    [DeviceFilterFact]
    public void Deny_all_refuses_a_device_no_rule_allows()
    {
        var r = Run("devdeny", Rule(false, "rwm"), Rule(true, "rwm", "c", 1, 3));
        Assert.False(r.TimedOut, r.ToString());
        Assert.Contains("null-ok", r.Stdout);
        Assert.DoesNotContain("read-ok", r.Stdout);
        Assert.Contains(r.Stderr.Split('\n'), l => l.Contains("/tmp/z") && l.Contains("Operation not permitted"));
        Assert.Contains("attached to", r.Stderr); // the --debug line
        Assert.NotEqual(0, r.ExitCode);
    }

    [DeviceFilterFact]
    public void The_same_node_opens_when_a_rule_allows_it()
    {
        var r = Run("devallow", Rule(false, "rwm"), Rule(true, "rwm", "c", 1, 3), Rule(true, "r", "b", 7, 0));
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        Assert.Equal(["null-ok", "read-ok"], r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [DeviceFilterFact]
    public void Without_device_rules_no_filter_is_attached()
    {
        var r = Run("devnone");
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        Assert.Equal(["null-ok", "read-ok"], r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("linux.resources.devices", r.Stderr);
    }
}
