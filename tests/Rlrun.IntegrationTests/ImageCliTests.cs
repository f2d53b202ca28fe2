using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>The image commands as a podman 4.3 user meets them (seen side by side with podman here):
/// `image prune` prints the IDs it removed (nothing when none), a command that cannot run is 127 or
/// 126, a given user has its group among its groups, and JSON has no \u002B for '+'.</summary>
public sealed partial class ImageCliTests(ImageRunFixture f) : IClassFixture<ImageRunFixture>
{
    ProcResult Rl(params string[] args) => f.Rl(args);

    /// <summary>The error line (a first run in the sandbox may also say a warning once).</summary>
    static string Error(ProcResult r) => r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => !l.StartsWith("rlrun: warning:"));

    [SubIdFact]
    public void A_command_that_cannot_run_exits_127_or_126_as_with_podman()
    {
        Assert.True(f.Error is null, $"the test image could not be made: {f.Error}");
        var r = Rl("run", "--rm", "--network", "none", "--image", ImageRunFixture.Image, "--", "/no/such/command");
        Assert.Equal(127, r.ExitCode);
        Assert.Equal("rlrun: run: exec: \"/no/such/command\": stat /no/such/command: no such file or directory", Error(r));
        r = Rl("run", "--rm", "--network", "none", "--image", ImageRunFixture.Image, "--", "no-such-command");
        Assert.Equal(127, r.ExitCode);
        Assert.Contains("executable file not found in $PATH", r.Stderr);
        r = Rl("run", "--rm", "--network", "none", "--image", ImageRunFixture.Image, "--", "/etc/passwd");
        Assert.Equal(126, r.ExitCode);
        Assert.Equal("rlrun: run: exec: \"/etc/passwd\": permission denied", Error(r));
        // The container's own exit code is its own.
        Assert.Equal(127, Rl("run", "--rm", "--network", "none", "--image", ImageRunFixture.Image, "--", "sh", "-c", "exit 127").ExitCode);
        Assert.Equal(3, Rl("run", "--rm", "--network", "none", "--image", ImageRunFixture.Image, "--", "sh", "-c", "exit 3").ExitCode);
        // Detached, the daemon refuses it with the same words.
        string id = $"polish-127-{Guid.NewGuid().ToString("N")[..8]}";
        try
        {
            r = Rl("run", "-d", "--rm", "--network", "none", "--image", ImageRunFixture.Image, id, "--", "/no/such/command");
            Assert.True(r.ExitCode == 127, r.ToString());
            Assert.False(Directory.Exists(Path.Join(f.Storage, "containers", id)), "the refused container's layer left");
        }
        finally { Rl("delete", "--force", id); }
    }

    [SubIdFact]
    public void A_given_user_has_its_group_among_its_groups_as_with_podman()
    {
        Assert.True(f.Error is null, $"the test image could not be made: {f.Error}");
        string Groups(params string[] user)
        {
            var r = Rl(["run", "--rm", "--network", "none", "--image", ImageRunFixture.Image, .. user, "--", "grep", "^Groups:", "/proc/self/status"]);
            Assert.True(r.ExitCode == 0, r.ToString());
            return r.Stdout.Trim()["Groups:".Length..].Trim();
        }
        // podman 4.3: `--user 4242` gives groups=0, `--user app:extra` groups=2000, no --user none.
        Assert.Equal("0", Groups("-u", "4242"));
        Assert.Equal("2000", Groups("-u", "app:extra"));
        Assert.Equal("1000 2000", Groups("-u", "app"));
        Assert.Equal("", Groups());
    }

    [SubIdFact]
    public void Image_inspect_writes_plus_signs_as_they_are()
    {
        Assert.True(f.Error is null, $"the test image could not be made: {f.Error}");
        var r = Rl("image", "inspect", ImageRunFixture.Image);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("\\u002B", r.Stdout);
        Assert.Contains("application/vnd.oci.image.layer.v1.tar+gzip", r.Stdout);
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex FullId();

    /// <summary>podman's `image prune`: the full IDs of the images it removed, one a line; nothing (and
    /// exit 0) when there was nothing to remove; -a removes unused named images too; -f is accepted.</summary>
    [SubIdFact]
    public void Image_prune_prints_the_ids_it_removed_as_podman()
    {
        string storage = Path.Join(f.Sandbox.Dir, "prune-storage");
        ProcResult S(params string[] args) => f.Rl([.. args, "--storage", storage]);
        string Import(string tag, string content)
        {
            string layout = Path.Join(f.Sandbox.Dir, $"prune-{tag}-{Guid.NewGuid().ToString("N")[..6]}");
            OciLayoutWriter.Write(layout, [new LayerBuilder().Dir("etc").File("etc/which", content).Build()]);
            Host.ChownToUser(layout);
            var r = S("image", "import", layout, $"localhost/prune:{tag}");
            Assert.True(r.ExitCode == 0, r.ToString());
            return r.Stdout.Trim();
        }
        var none = S("image", "prune");
        Assert.Equal((0, "", ""), (none.ExitCode, none.Stdout, none.Stderr));

        string first = Import("a", "one");
        string second = Import("a", "two");     // takes the name: the first is unnamed now
        string named = Import("b", "three");
        Assert.NotEqual(first, second);
        var pruned = S("image", "prune", "-f");
        Assert.Equal((0, first + "\n"), (pruned.ExitCode, pruned.Stdout));
        Assert.Matches(FullId(), first);
        Assert.Equal((0, ""), (S("image", "prune").ExitCode, S("image", "prune").Stdout));

        var all = S("image", "prune", "--all");
        Assert.Equal(0, all.ExitCode);
        Assert.Equal(new[] { second, named }.Order(), all.Stdout.Trim().Split('\n').Order());
        var images = JsonNode.Parse(S("images", "--format", "json").Stdout)!.AsArray();
        Assert.Empty(images);
    }
}
