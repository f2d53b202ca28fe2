using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Rlrun.FaultTests;

/// <summary>Escape probes (issue 18, item 6): each plays the attack of one runc CVE class from inside
/// a container, as the unprivileged user, and asserts the attack gets nowhere. Each says how it would
/// fail on a runtime without the defence. The static forms of some classes (a symlinked mount
/// destination, a symlinked /proc) are in the integration tests; README's security section lists all.</summary>
public sealed class EscapeProbeTests(ITestOutputHelper output) : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>CVE-2019-5736: a process in the container opens /proc/PID/exe of the runtime process
    /// that is inside with it (here the created container's init, PID 1, while it waits for start),
    /// keeps the fd, and once the runtime has exec'd the user's program (the file no longer busy)
    /// reopens it for write through /proc/self/fd/N and overwrites the runtime's binary on the host.
    /// The binary here is a copy owned by the test user, so only the defence stands in the way: on a
    /// runtime that runs its own file inside, the reopen succeeds after `start` and the copy's hash
    /// changes (WROTE is printed). rlrun's init is a sealed memfd copy (the fd names no host file,
    /// and the seals refuse the write), and not dumpable, so the open is refused already.</summary>
    [UserFact]
    public void Cve_2019_5736_runtime_binary_cannot_be_overwritten_through_proc_self_exe()
    {
        string copy = Path.Join(_s.Dir, "rlrun-copy");
        File.Copy(Host.Binary, copy);
        File.SetUnixFileMode(copy, (UnixFileMode)0x1ed);
        Host.ChownToUser(copy);
        byte[] before = SHA256.HashData(File.ReadAllBytes(copy));
        ProcSpec Copy(params string[] args) => Host.AsUser(copy, ["--root", _s.StateRoot, .. args], Host.ShellEnv);

        var b = _s.NewBundle(["sh", "-c", "sleep 2; echo started"]);
        string id = _s.NewId("cve20195736");
        Proc.Run(Copy("create", "--bundle", b.Path, id)).EnsureSuccess("create");
        // The attacker: an exec in the created container holds PID 1's exe open, then tries to write
        // through it for a few seconds, across the start.
        // (A failed `exec 3<` ends a busybox script: the subshell tries it first.)
        const string attack = """
            link=$(readlink /proc/1/exe 2>&1)
            if ! (exec 3</proc/1/exe) 2>/dev/null; then echo "NOOPEN $link"; exit 0; fi
            exec 3</proc/1/exe
            echo "HELD $link"
            i=0
            while [ $i -lt 40 ]; do
              if echo pwned 2>/dev/null >>/proc/self/fd/3; then echo WROTE; exit 0; fi
              sleep 0.1; i=$((i+1))
            done
            echo REFUSED
            """;
        var attacker = Proc.Start(Copy("exec", id, "sh", "-c", attack));
        // A deadline, not a measure: the copy has no rlrun-init beside it and seals all of itself,
        // which took over 15 s under a load of 50 here.
        Assert.True(attacker.WaitForStdout("HELD", TimeSpan.FromSeconds(60)) || attacker.Stdout.Contains("NOOPEN"),
            $"the probe never got to PID 1's exe: {attacker.Stdout} {attacker.Stderr}");
        Proc.Run(Copy("start", id)).EnsureSuccess("start");
        var r = attacker.Wait(TimeSpan.FromSeconds(30));
        output.WriteLine(r.ToString());
        Assert.DoesNotContain("WROTE", r.Stdout);
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(copy)));
        // Either the init cannot be opened from inside at all (it is not dumpable: NOOPEN), or what
        // it runs is the sealed memfd, whose write is refused (REFUSED).
        Assert.True(r.Stdout.Contains("NOOPEN") || r.Stdout.Contains("REFUSED") && r.Stdout.Contains("memfd:"), r.ToString());
    }

    /// <summary>CVE-2024-21626: process.cwd set to /proc/self/fd/N, where N is an fd the runtime
    /// leaked into the init (runc 1.1.11 leaked one on the host's /sys/fs/cgroup): the process starts
    /// in a host directory and walks up to the host's root. On such a runtime one of these N runs
    /// with a cwd from which ../../../.. has the host's /etc/subuid (ESCAPED). rlrun's init has only
    /// what it needs open and checks the cwd resolves inside the rootfs: the run fails, or its cwd is
    /// the container's.</summary>
    [UserFact]
    public void Cve_2024_21626_cwd_through_a_leaked_fd_stays_inside()
    {
        Assert.True(File.Exists("/etc/subuid"), "the host has no /etc/subuid to tell its root by");
        var b = _s.NewBundle(["sh", "-c", "test -e ../../../../../../../../etc/subuid && echo ESCAPED; echo cwd=$(pwd -P)"]);
        Assert.False(File.Exists(Path.Join(b.Rootfs, "etc", "subuid")), "the rootfs has /etc/subuid: the probe could not tell");
        for (int n = 3; n <= 12; n++)
        {
            b.EditConfig(c => c["process"]!["cwd"] = $"/proc/self/fd/{n}");
            var r = _s.Rl("run", "--bundle", b.Path, _s.NewId($"cve202421626-{n}"));
            output.WriteLine(r.ToString());
            Assert.False(r.TimedOut, r.ToString());
            Assert.DoesNotContain("ESCAPED", r.Stdout);
            // rlrun makes a missing cwd as runc does, in the rootfs, and refuses to under /proc.
            if (r.ExitCode != 0) { Assert.Contains("/fd/", r.Stderr); Assert.Contains("process.cwd", r.Stderr); }
        }
    }

    /// <summary>CVE-2025-31133: the rootfs's /dev/null replaced by a symlink to a procfs file, with no
    /// /dev tmpfs in config.json to hide it. A runtime that binds "the container's /dev/null" over
    /// the masked paths follows the symlink and binds /proc/sys/kernel/hostname (writable) over
    /// /proc/kcore and the rest: stat of a masked file then says a regular file, not the 1:3 char
    /// device, and a write to /proc/sys/... through it lands. rlrun masks with its own /dev/null.</summary>
    [UserFact]
    public void Cve_2025_31133_masked_paths_with_dev_null_swapped_for_a_symlink()
    {
        var masked = new[] { "/proc/kcore", "/proc/keys", "/proc/timer_list" }.Where(File.Exists).ToList();
        Assert.True(masked.Count > 0, "no masked /proc file on this host: the probe would prove nothing");
        string script = string.Join("; ", masked.Select(p => $"echo \"{p} $(stat -c %F:%t:%T {p})\"")) + "; echo hostname=$(hostname); true";
        var b = _s.NewBundle(["sh", "-c", script], c =>
        {
            var mounts = c["mounts"]!.AsArray();
            foreach (var m in mounts.Where(m => m!["destination"]!.GetValue<string>() == "/dev").ToList()) mounts.Remove(m);
            c["hostname"] = "probe";
        });
        Proc.Run(Host.AsUser("/bin/sh", ["-c", $"mkdir -p '{b.Rootfs}/dev' && rm -f '{b.Rootfs}/dev/null' && ln -s /proc/sys/kernel/hostname '{b.Rootfs}/dev/null'"]))
            .EnsureSuccess("make /dev/null a symlink");
        var r = _s.Rl("run", "--bundle", b.Path, _s.NewId("cve202531133"));
        output.WriteLine(r.ToString());
        Assert.False(r.TimedOut, r.ToString());
        if (r.ExitCode != 0)
        {
            Assert.Contains("/dev/null", r.Stderr); // refused, naming it
            return;
        }
        var lines = Lines(r.Stdout);
        foreach (string p in masked) Assert.Contains($"{p} character special file:1:3", lines);
        Assert.Contains("hostname=probe", lines);
    }

    /// <summary>CVE-2025-52881: a procfs file the runtime writes is covered by a bind mount of another
    /// procfs file, so the write lands somewhere else (runc's attack: /proc/sys/kernel/core_pattern
    /// over /proc/self/attr/exec). Here a createContainer hook of config.json, which runs in the
    /// init's mount namespace just before the init writes linux.sysctl, binds
    /// /proc/sys/kernel/domainname over /proc/sys/net/ipv4/ip_forward; config.json asks for
    /// net.ipv4.ip_forward = VALUE. A runtime that checks only that the file is on procfs (rlrun
    /// before this probe) opens the covering file and writes through it: where the kernel lets it,
    /// VALUE becomes the domain name the process prints; on the test machine (Debian 12) the kernel
    /// refuses that open (EACCES), so such a runtime fails with "open ...: Permission denied", by
    /// luck and not by design, and the probe fails on it for want of the refusal below. rlrun opens
    /// /proc files with openat2 RESOLVE_NO_XDEV from a checked procfs root: the create fails, naming
    /// the file and the mount over it, before anything is opened through the mount.</summary>
    [UserFact]
    public void Cve_2025_52881_procfs_write_redirected_by_a_bind_mount_is_refused()
    {
        const string value = "pwned52881";
        var b = _s.NewBundle(["sh", "-c", "echo domainname=$(cat /proc/sys/kernel/domainname)"], c =>
        {
            var ns = c["linux"]!["namespaces"]!.AsArray();
            foreach (string type in new[] { "network", "uts" })
                if (!ns.Any(n => n!["type"]!.GetValue<string>() == type)) ns.Add(new JsonObject { ["type"] = type });
            c["linux"]!["sysctl"] = new JsonObject { ["net.ipv4.ip_forward"] = value };
            c["hooks"] = new JsonObject
            {
                ["createContainer"] = new JsonArray(new JsonObject
                {
                    ["path"] = "/bin/sh",
                    ["args"] = new JsonArray("sh", "-c", "/bin/mount --bind /proc/sys/kernel/domainname /proc/sys/net/ipv4/ip_forward"),
                }),
            };
        });
        var r = _s.Rl("run", "--bundle", b.Path, _s.NewId("cve202552881"));
        output.WriteLine(r.ToString());
        Assert.False(r.TimedOut, r.ToString());
        Assert.DoesNotContain(value, r.Stdout);
        // Refused for the mount (not for a hook that could not bind: then the probe proved nothing).
        Assert.True(r.ExitCode != 0 && r.Stderr.Contains("/proc/sys/net/ipv4/ip_forward: a mount covers it"), r.ToString());
    }

    /// <summary>CVE-2021-30465: a mount destination swapped for a symlink out of the rootfs while the
    /// runtime mounts on it. A racer (the user, as a container sharing a volume would) flips
    /// ROOTFS/race between a directory and a symlink to a host directory as fast as it can, while
    /// containers with a tmpfs (size=1228k, to know it by) at /race run. A runtime that checks the
    /// path and then mounts by name sometimes mounts on the host directory, in the container's
    /// mount namespace; after pivot_root that mount is out of the container's sight, which the
    /// container's process reports (MISSING). rlrun opens the destination with RESOLVE_IN_ROOT and
    /// mounts on that fd: the tmpfs is always inside (at /race, or where the symlink points, read
    /// inside the rootfs), or the run fails naming it.</summary>
    [UserFact]
    public void Cve_2021_30465_mount_destination_swapped_for_a_symlink_during_create_stays_inside()
    {
        string outside = Path.Join(_s.Dir, "outside");
        Directory.CreateDirectory(outside);
        Host.ChownToUser(outside);
        var b = _s.NewBundle(["sh", "-c", "if grep -q size=1228k /proc/self/mountinfo; then echo INSIDE; else echo MISSING; fi"], c =>
            c["mounts"]!.AsArray().Add(new JsonObject
            {
                ["destination"] = "/race", ["type"] = "tmpfs", ["source"] = "tmpfs", ["options"] = new JsonArray("size=1228k"),
            }), readonlyRoot: false);
        // The racer: renames (atomic) put a directory, then a symlink out, at ROOTFS/race, over and over.
        string racer = $"cd '{b.Rootfs}' && mkdir -p race.dir && ln -sfn '{outside}' race.lnk && " +
                       "while :; do mv -Tn race.dir race 2>/dev/null; mv -Tn race race.dir 2>/dev/null; mv -Tn race.lnk race 2>/dev/null; mv -Tn race race.lnk 2>/dev/null; done";
        using var race = Proc.Start(Host.AsUser("/bin/sh", ["-c", racer]));
        int inside = 0, refused = 0;
        int rounds = 30 * (int.TryParse(Environment.GetEnvironmentVariable("RLRUN_SOAK_ROUNDS"), out int n) && n > 0 ? n : 1);
        for (int i = 0; i < rounds; i++)
        {
            var r = _s.Rl("run", "--bundle", b.Path, _s.NewId($"cve202130465-{i}"));
            Assert.False(r.TimedOut, r.ToString());
            Assert.DoesNotContain("MISSING", r.Stdout);
            if (r.ExitCode == 0) { Assert.Contains("INSIDE", r.Stdout); inside++; }
            else { Assert.StartsWith("rlrun: ", r.Stderr.Trim()); refused++; }
        }
        race.Kill();
        output.WriteLine($"30465 race: {rounds} runs against the racer: {inside} mounted inside, {refused} refused, none outside");
        Assert.True(inside > 0, "no run got through: the probe proved nothing");
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
    }

    /// <summary>A container that floods what the runtime reads: `exec` and a foreground `run` each
    /// pass 16 MiB of output through, and `state` answers while a created container's init is
    /// flooding its stderr pipe (the harness reads it, slowly). A runtime that buffered the output
    /// in a pipe it waits on (a full 64 KiB pipe blocks the writer forever) would time out here.</summary>
    [UserFact]
    public void Container_flooding_its_output_does_not_hang_the_runtime()
    {
        const string flood = "head -c 16777216 /dev/zero | tr '\\0' x; echo; echo done >&2";
        var run = _s.Rl(["run", "--bundle", _s.NewBundle(["sh", "-c", flood]).Path, _s.NewId("flood")], timeout: TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0 && !run.TimedOut, run.ToString()[..Math.Min(400, run.ToString().Length)]);
        Assert.Equal(16 * 1024 * 1024 + 1, run.Stdout.Length);

        var (id, _, _) = _s.RunDetached("flood-exec");
        var exec = _s.Rl(["exec", id, "sh", "-c", flood], timeout: TimeSpan.FromSeconds(60));
        Assert.True(exec.ExitCode == 0 && !exec.TimedOut, $"exit {exec.ExitCode}, timed out {exec.TimedOut}: {exec.Stderr}");
        Assert.Equal(16 * 1024 * 1024 + 1, exec.Stdout.Length);
        Assert.Equal("running", _s.Status(id));
    }
}
