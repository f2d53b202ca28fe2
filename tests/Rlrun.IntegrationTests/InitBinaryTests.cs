using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>What enters the container (issue 16, DESIGN.md's CVE-2019-5736 invariant): a sealed
/// memfd copy of rlrun-init when it sits beside rlrun, else of rlrun itself; either runs
/// containers. The size of /proc/PID/exe says which binary the memfd holds.</summary>
public sealed class InitBinaryTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    /// <summary>`create` with BINARY; the created init's /proc/PID/exe must be a memfd: its size.</summary>
    long SealedInitSize(string binary)
    {
        var b = _s.NewBundle(["true"]);
        string id = _s.NewId("initbin");
        var c = Proc.Run(Host.AsUser(binary, ["--root", _s.StateRoot, "create", "--bundle", b.Path, id], Host.ShellEnv));
        Assert.True(c.ExitCode == 0, c.ToString());
        int pid = _s.State(id)["pid"]!.GetValue<int>();
        var link = Proc.Run(Host.AsUser("/bin/readlink", [$"/proc/{pid}/exe"]));
        Assert.True(link.ExitCode == 0, link.ToString());
        Assert.Contains("memfd:", link.Stdout);
        var size = Proc.Run(Host.AsUser("/usr/bin/stat", ["-L", "-c", "%s", $"/proc/{pid}/exe"]));
        Assert.True(size.ExitCode == 0, size.ToString());
        var start = Proc.Run(Host.AsUser(binary, ["--root", _s.StateRoot, "start", id], Host.ShellEnv));
        Assert.True(start.ExitCode == 0, start.ToString());
        return long.Parse(size.Stdout.Trim());
    }

    [UserFact]
    public void The_init_is_a_sealed_copy_of_rlrun_init_beside_rlrun()
    {
        string init = Path.Join(Path.GetDirectoryName(Host.Binary)!, "rlrun-init");
        Assert.True(File.Exists(init), $"{init} is missing: make build builds it beside rlrun");
        long size = SealedInitSize(Host.Binary);
        Assert.Equal(new FileInfo(init).Length, size);
        Assert.True(size < new FileInfo(Host.Binary).Length / 2,
            $"rlrun-init ({size} bytes) should be far smaller than rlrun ({new FileInfo(Host.Binary).Length} bytes)");
    }

    [UserFact]
    public void Rlrun_without_rlrun_init_beside_it_seals_a_copy_of_itself()
    {
        string dir = Path.Join(_s.Dir, "alone");
        Directory.CreateDirectory(dir);
        string alone = Path.Join(dir, "rlrun");
        File.Copy(Host.Binary, alone);
        File.SetUnixFileMode(dir, (UnixFileMode)0x1ed);
        File.SetUnixFileMode(alone, (UnixFileMode)0x1ed);
        Assert.Equal(new FileInfo(Host.Binary).Length, SealedInitSize(alone));
    }
}
