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
        Assert.True(attacker.WaitForStdout("HELD", TimeSpan.FromSeconds(15)) || attacker.Stdout.Contains("NOOPEN"),
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
