using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>`make install PREFIX=DIR` as README says (PREFIX=~/.local), then podman's drop-in it
/// installs copied to the user's ~/.config/containers/containers.conf.d: `podman --runtime rlrun`
/// finds and runs DIR/bin/rlrun. Before, the drop-in named only /usr/local/bin/rlrun and
/// /usr/bin/rlrun: podman said `default OCI runtime "rlrun" not found`, or ran another rlrun
/// installed there.</summary>
public sealed class MakeInstallPodmanTests
{
    [PodmanFact]
    public void Podman_runs_the_rlrun_of_a_make_install_prefix_through_its_drop_in()
    {
        using var podman = new PodmanWorld();
        string prefix = Path.Join(podman.Dir, "prefix");
        string bin = Path.GetDirectoryName(Host.Binary)!;
        // -o build: the binaries under test, not a rebuild (make test has built them).
        var make = Proc.Run("/usr/bin/make", ["-C", Host.RepoRoot, "-o", "build", "install", $"PREFIX={prefix}",
            $"BIN={Host.Binary}", $"SUPERVISOR={Path.Join(bin, "rlrun-supervisor")}", $"INIT={Path.Join(bin, "rlrun-init")}", $"FULL={Path.Join(bin, "rlrun-full")}"],
            timeout: TimeSpan.FromSeconds(60));
        Assert.True(make.ExitCode == 0, make.ToString());
        string dropIns = Path.Join(podman.Dir, "home", ".config", "containers", "containers.conf.d");
        Directory.CreateDirectory(dropIns);
        File.Copy(Path.Join(prefix, "share", "rlrun", "containers.conf.d", "rlrun.conf"), Path.Join(dropIns, "rlrun.conf"));
        Host.ChownToUser(podman.Dir);

        var info = Proc.Run(podman.Spec("rlrun", ["info", "--format", "{{.Host.OCIRuntime.Path}}"], byName: true), timeout: TimeSpan.FromSeconds(90));
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Equal(Path.Join(prefix, "bin", "rlrun"), info.Stdout.Trim());
        var run = Proc.Run(podman.Spec("rlrun", ["run", "--rm", "--network", "none", PodmanWorld.Image, "echo", "from-the-prefix"], byName: true),
            timeout: TimeSpan.FromSeconds(90));
        Assert.True(run.ExitCode == 0 && run.Stdout.Trim() == "from-the-prefix", run.ToString());
    }
}
