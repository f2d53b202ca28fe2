using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>linux.maskedPaths and linux.readonlyPaths of `spec --rootless`, as the container sees them.</summary>
public sealed class MaskedPathTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Masked files of the default spec that this kernel may have (/proc/kcore is missing on
    /// some, e.g. without CONFIG_PROC_KCORE): each one present on the host must be /dev/null inside.</summary>
    static readonly string[] MaskedFiles = ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/latency_stats", "/proc/timer_stats"];
    static readonly string[] MaskedDirs = ["/proc/acpi", "/proc/asound", "/proc/scsi", "/sys/firmware"];

    [UserFact]
    public void Default_masked_files_read_as_dev_null()
    {
        var present = MaskedFiles.Where(File.Exists).ToList();
        Assert.True(present.Count > 0, $"none of {string.Join(' ', MaskedFiles)} exists on this host: the test would prove nothing");
        string script = string.Join("; ", present.Select(p => $"echo \"{p} $(stat -c %t:%T {p}) $(wc -c <{p})\"")) + "; true";
        var r = _s.Rl("run", "--bundle", _s.NewBundle(["sh", "-c", script]).Path, _s.NewId("masked"));
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        // stat %t:%T is the device's major:minor in hex: /dev/null is 1:3; it reads 0 bytes.
        Assert.Equal(present.Select(p => $"{p} 1:3 0"), Lines(r.Stdout).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))));
    }

    [UserFact]
    public void Default_masked_directories_are_empty_read_only_tmpfs()
    {
        var present = MaskedDirs.Where(Directory.Exists).ToList();
        Assert.True(present.Count > 0, $"none of {string.Join(' ', MaskedDirs)} exists on this host: the test would prove nothing");
        string script = string.Join("; ", present.Select(d =>
            $"echo \"{d} $(stat -f -c %T {d}) $(ls -A {d} | wc -l) $(touch {d}/x 2>/dev/null && echo writable || echo ro)\"")) + "; true";
        var r = _s.Rl("run", "--bundle", _s.NewBundle(["sh", "-c", script]).Path, _s.NewId("maskdir"));
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        Assert.Equal(present.Select(d => $"{d} tmpfs 0 ro"), Lines(r.Stdout));
    }

    /// <summary>A write to /proc/sys fails with EROFS from the read-only mount (the shell's O_TRUNC
    /// checks the mount before the sysctl's permissions); without readonlyPaths the same write
    /// fails otherwise (EACCES: the container's root is not the host's), so the test can tell.</summary>
    [UserFact]
    public void Proc_sys_is_read_only()
    {
        const string script = "echo rlrun-it > /proc/sys/kernel/domainname; echo rc=$?; grep ' /proc/sys ' /proc/self/mountinfo; true";
        var r = _s.Rl("run", "--bundle", _s.NewBundle(["sh", "-c", script]).Path, _s.NewId("rosys"));
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        var lines = Lines(r.Stdout);
        Assert.Equal("rc=1", lines[0]);
        Assert.Contains("Read-only file system", r.Stderr);
        // Field 6 of mountinfo: the mount's own options.
        Assert.True(lines.Length > 1 && lines[1].Split(' ')[5].Split(',').Contains("ro"), $"/proc/sys is not a read-only mount: {r}");

        var open = _s.NewBundle(["sh", "-c", script], c => c["linux"]!["readonlyPaths"] = new System.Text.Json.Nodes.JsonArray());
        var w = _s.Rl("run", "--bundle", open.Path, _s.NewId("rwsys"));
        Assert.True(w.ExitCode == 0 && !w.TimedOut, w.ToString());
        Assert.DoesNotContain("Read-only file system", w.Stderr);
    }
}
