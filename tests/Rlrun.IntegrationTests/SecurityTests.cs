using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>DESIGN.md's security invariants, end to end: no leaked fds (CVE-2024-21626), the init
/// runs from a sealed memfd (CVE-2019-5736), mount destinations stay in the rootfs (CVE-2021-30465).</summary>
public sealed class SecurityTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>`ls /proc/$$/fd` lists the shell's fds (ls's own directory fd is in /proc/LS/fd);
    /// the `; true` keeps busybox sh from exec'ing ls as itself.</summary>
    [UserFact]
    public void Container_process_has_only_stdio_open()
    {
        var b = _s.NewBundle(["sh", "-c", "ls /proc/$$/fd; true"]);
        var r = _s.Rl("run", "--bundle", b.Path, _s.NewId("fds"));
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        Assert.Equal(["0", "1", "2"], Lines(r.Stdout));
    }

    [UserFact]
    public void Preserve_fds_passes_fd_3_into_the_container()
    {
        string file = Path.Join(_s.Dir, "preserved.txt");
        File.WriteAllText(file, "preserved-content\n");
        File.SetUnixFileMode(file, (UnixFileMode)0x1a4);
        var b = _s.NewBundle(["sh", "-c", "ls /proc/$$/fd; cat <&3"]);
        var rl = _s.RlSpec(["run", "--preserve-fds", "1", "--bundle", b.Path, _s.NewId("keepfd")]);
        var withFd3 = new ProcSpec("/bin/bash", ["-c", "exec 3<\"$0\"; exec \"$@\"", file, rl.File, .. rl.Args], rl.Env, rl.ClearEnv);
        var r = Proc.Run(withFd3);
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        Assert.Equal(["0", "1", "2", "3", "preserved-content"], Lines(r.Stdout));
    }

    [UserFact]
    public void Init_of_a_created_container_runs_from_a_memfd()
    {
        var b = _s.NewBundle(["true"]);
        string id = _s.NewId("memfd");
        var c = _s.Rl("create", "--bundle", b.Path, id);
        Assert.True(c.ExitCode == 0, c.ToString());
        int pid = _s.State(id)["pid"]!.GetValue<int>();
        Assert.True(Host.IsOurs(pid), $"the harness does not recognise the created init {pid} as ours");
        // Read as the user rlrun runs as: it owns the container's user namespace.
        var link = Proc.Run(Host.AsUser("/bin/readlink", [$"/proc/{pid}/exe"]));
        Assert.True(link.ExitCode == 0, link.ToString());
        Assert.Contains("memfd:", link.Stdout);
        Assert.DoesNotContain(Host.Binary, link.Stdout);
    }

    /// <summary>rootfs/evil -> HOSTDIR (absolute, pointing out of the rootfs) with a tmpfs mounted on /evil.
    /// Resolved in the rootfs, /evil is ROOTFS/HOSTDIR: the mount goes there (made if missing, as
    /// runc does), never on the host's HOSTDIR.</summary>
    [UserTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Mount_on_a_symlink_out_of_the_rootfs_lands_inside_it(bool targetExistsInRootfs)
    {
        string hostDir = Path.Join(_s.Dir, "hostdir");
        Directory.CreateDirectory(hostDir);
        Host.ChownToUser(hostDir);
        var b = _s.NewBundle(
            ["sh", "-c", "stat -f -c %T /evil/; readlink -f /evil; echo inside >/evil/marker && cat /evil/marker"],
            c => c["mounts"]!.AsArray().Add(new JsonObject
            {
                ["destination"] = "/evil", ["type"] = "tmpfs", ["source"] = "tmpfs",
                ["options"] = new JsonArray("nosuid", "nodev", "mode=777"),
            }));
        File.CreateSymbolicLink(Path.Join(b.Rootfs, "evil"), hostDir);
        Host.ChownToUser(Path.Join(b.Rootfs, "evil"));
        string inside = b.Rootfs + hostDir;
        if (targetExistsInRootfs)
        {
            Directory.CreateDirectory(inside);
            Host.ChownToUser(Path.Join(b.Rootfs, "tmp"));
        }

        var r = _s.Rl("run", "--bundle", b.Path, _s.NewId("symlink"));
        // Whatever happened, nothing reached the host's directory.
        Assert.Empty(Directory.EnumerateFileSystemEntries(hostDir));
        Assert.DoesNotContain(File.ReadLines("/proc/self/mountinfo"), l => l.Contains(hostDir));
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        // Inside, /evil resolves (in the container's root) to HOSTDIR's path, and there is the tmpfs.
        Assert.Equal(["tmpfs", hostDir, "inside"], Lines(r.Stdout));
        Assert.True(Directory.Exists(inside), $"the mount point {inside} is not inside the rootfs");
        Assert.Empty(Directory.EnumerateFileSystemEntries(inside)); // the marker went to the tmpfs
    }
}

/// <summary>Root needs no user namespace (only when the test process is root).</summary>
public sealed class RootTests : IDisposable
{
    readonly Sandbox? _s = Host.IsRoot ? new Sandbox(asRoot: true) : null;
    public void Dispose() => _s?.Dispose();

    [RootFact]
    public void Run_as_root_uses_no_user_namespace()
    {
        var b = _s!.NewBundle(["sh", "-c", "echo $$; cat /proc/self/uid_map"]);
        Assert.DoesNotContain(b.ReadConfig()["linux"]!["namespaces"]!.AsArray(), n => n!["type"]!.GetValue<string>() == "user");
        var r = _s.Rl("run", "--bundle", b.Path, _s.NewId("root"));
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("1", lines[0].Trim());
        Assert.Equal(["0", "0", "4294967295"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
}
