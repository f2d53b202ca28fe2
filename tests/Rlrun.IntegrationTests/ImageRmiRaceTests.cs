using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>rmi --force against image containers, as the unprivileged test user: a running
/// container's layers are never removed under it, an rmi racing a container's start and another
/// rmi leaves a consistent store (the start either sees the image or says it is not known), and
/// image prune then removes the layer and its short link.</summary>
public sealed class ImageRmiRaceTests(ImageRunFixture f) : IClassFixture<ImageRunFixture>, IDisposable
{
    readonly List<string> _ids = [];

    public void Dispose()
    {
        foreach (var id in _ids) f.Rl(["delete", "--force", id]);
    }

    string NewId(string tag)
    {
        string id = $"overlay-{tag}-{Guid.NewGuid().ToString("N")[..8]}";
        _ids.Add(id);
        return id;
    }

    ProcResult Rl(params string[] args) => f.Rl(args);

    ProcSpec RlSpec(params string[] args) => Host.AsUser(Host.Binary, ["--root", f.Sandbox.StateRoot, .. args], f.Env);

    string LinkDir => Path.Join(f.Storage, "l");

    /// <summary>An image of the fixture's layers and one more of its own (a file /race saying TAG):
    /// only that top layer is the image's alone. Imported as localhost/race:TAG; its diff directory.</summary>
    string ImportRaceImage(string tag)
    {
        string layout = Path.Join(f.Sandbox.Dir, $"race-{tag}");
        var written = OciLayoutWriter.Write(layout, [.. ImageRunFixture.BuildLayers(), new LayerBuilder().File("race", tag).Build()]);
        Host.ChownToUser(layout);
        Rl("image", "import", layout, $"localhost/race:{tag}").EnsureSuccess($"import race:{tag}");
        return Path.Join(f.Storage, "layers", written.DiffIds[^1][7..], "diff");
    }

    /// <summary>The index parses, every layer it records is on disk, every image's layers are
    /// recorded, and every short link leads to a layer.</summary>
    void AssertStoreConsistent()
    {
        var index = JsonNode.Parse(File.ReadAllText(Path.Join(f.Storage, "index.json")))!;
        var recorded = index["layers"]!.AsObject().Select(kv => kv.Key).ToHashSet();
        foreach (var hex in recorded) Assert.True(Directory.Exists(Path.Join(f.Storage, "layers", hex, "diff")), $"layer {hex} recorded but not on disk");
        foreach (var image in index["images"]!.AsArray())
            foreach (var layer in image!["layers"]!.AsArray())
                Assert.Contains(layer!["diff_id"]!.GetValue<string>()[7..], recorded);
        if (Directory.Exists(LinkDir))
            foreach (var link in Directory.EnumerateFileSystemEntries(LinkDir))
                Assert.True(Directory.Exists(link), $"short link {link} leads nowhere");
        Assert.Equal(0, Rl("images").ExitCode);
    }

    void AssertPrunedAway(string layerDiff)
    {
        var prune = Rl("image", "prune");
        Assert.True(prune.ExitCode == 0, prune.ToString());
        Assert.False(Directory.Exists(Path.GetDirectoryName(layerDiff)), $"{layerDiff} outlived its image and containers");
        if (Directory.Exists(LinkDir))
            Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(LinkDir), l => !Directory.Exists(l));
        AssertStoreConsistent();
    }

    [SubIdFact]
    public void Rmi_force_of_a_running_containers_image_keeps_its_layers_until_the_container_goes()
    {
        Assert.True(f.Error is null, $"the test image could not be made: {f.Error}");
        string layer = ImportRaceImage("kept");
        string id = NewId("rmi-run");
        var r = Rl("run", "-d", "--image", "localhost/race:kept", "--network", "none", id, "--", "sleep", "60");
        Assert.True(r.ExitCode == 0, r.ToString());

        var rmi = Rl("rmi", "--force", "localhost/race:kept");
        Assert.True(rmi.ExitCode == 0, rmi.ToString());
        Assert.Equal("Untagged: localhost/race:kept", rmi.Stdout.Trim());
        Assert.Contains($"in use by container {id}", rmi.Stderr);
        Assert.True(Directory.Exists(layer), "the running container's layer was removed");
        var e = Rl("exec", id, "cat", "/race");
        Assert.True(e.ExitCode == 0 && e.Stdout == "kept", e.ToString());
        // Unnamed and used: prune leaves it; a second rmi by name finds nothing.
        Assert.Equal(0, Rl("image", "prune").ExitCode);
        Assert.True(Directory.Exists(layer), "prune removed a running container's layer");
        Assert.Contains("image not known", Rl("rmi", "localhost/race:kept").Stderr);
        // podman's rmi --force implies --ignore: a name that is gone is no error then.
        var gone = Rl("rmi", "--force", "localhost/race:kept");
        Assert.True(gone.ExitCode == 0 && gone.Stdout.Length == 0 && gone.Stderr.Length == 0, gone.ToString());
        AssertStoreConsistent();

        Assert.Equal(0, Rl("delete", "--force", id).ExitCode);
        AssertPrunedAway(layer);
    }

    [SubIdFact]
    public void Rmi_racing_a_start_and_another_rmi_leaves_a_consistent_store()
    {
        Assert.True(f.Error is null, $"the test image could not be made: {f.Error}");
        var outcomes = new List<string>();
        for (int round = 0; round < 4; round++)
        {
            string tag = $"r{round}", image = $"localhost/race:{tag}";
            string layer = ImportRaceImage(tag);
            string id = NewId($"race{round}");
            // Odd rounds give the rmis a head start, so both orders happen.
            var rmis = new List<RunningProc>();
            if (round % 2 == 1)
            {
                rmis.AddRange(Enumerable.Range(0, 2).Select(_ => Proc.Start(RlSpec("rmi", "--force", image))));
                Thread.Sleep(10 * round);
            }
            var run = Proc.Start(RlSpec("run", "-d", "--network", "none", "--image", image, id, "--", "sleep", "60"));
            if (round % 2 == 0) rmis.AddRange(Enumerable.Range(0, 2).Select(_ => Proc.Start(RlSpec("rmi", "--force", image))));
            var ran = run.Wait(TimeSpan.FromSeconds(60));
            var removed = rmis.Select(p => p.Wait(TimeSpan.FromSeconds(60))).ToList();
            run.Dispose();
            rmis.ForEach(p => p.Dispose());

            // One rmi did it; the other found the name gone, which --force (podman's: it implies --ignore) does not report.
            Assert.True(removed.All(x => x.ExitCode == 0), string.Join("\n", removed));
            Assert.True(removed.Count(x => x.Stdout.Length > 0) == 1, string.Join("\n", removed));
            Assert.Contains(removed, x => x.Stdout.Length == 0 && x.Stderr.Length == 0);
            if (ran.ExitCode == 0)
            {
                // The start wrote its reference first: the rmi only untagged, the layer is in use.
                outcomes.Add("started");
                Assert.Contains(removed, x => x.Stdout.Trim() == $"Untagged: {image}" && x.Stderr.Contains($"in use by container {id}"));
                var e = Rl("exec", id, "cat", "/race");
                Assert.True(e.ExitCode == 0 && e.Stdout == tag, e.ToString());
                Assert.True(Directory.Exists(layer));
                Assert.Equal(0, Rl("delete", "--force", id).ExitCode);
            }
            else
            {
                // The rmi came first: the start found no image, and left nothing.
                outcomes.Add("refused");
                Assert.Contains("image not known", ran.Stderr);
                Assert.False(Directory.Exists(Path.Join(f.Storage, "containers", id)), ran.ToString());
                Assert.False(Directory.Exists(f.Sandbox.StateDir(id)));
            }
            AssertStoreConsistent();
            AssertPrunedAway(layer);
        }
        // Either order is right; which ones happened, for the log.
        Console.WriteLine($"rmi races: {string.Join(", ", outcomes)}");
    }
}
