using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>`rlrun image import`, `images`, `rmi`, `image prune`, `image inspect` end to end as the
/// unprivileged test user: images built here (OciLayoutWriter, podman save), layers unpacked in a
/// user namespace with the user's subordinate IDs, the store's behaviour under concurrency and kill -9,
/// and bad input refused with one line and nothing stored.</summary>
public sealed class ImageImportTests : IDisposable
{
    readonly Sandbox _s = new();
    readonly string _storage;

    public ImageImportTests() => _storage = Path.Join(_s.Dir, "storage");

    public void Dispose()
    {
        // Layers hold files of subordinate IDs: rlrun removes them (in its user namespace) before the sandbox goes.
        try
        {
            foreach (var id in Images().Select(i => i!["id"]!.GetValue<string>()).ToList()) Rl("rmi", "--force", id);
            Rl("image", "prune");
        }
        catch (Exception) { }
        _s.Dispose();
    }

    ProcResult Rl(params string[] args) => _s.Rl([.. args, "--storage", _storage], timeout: TimeSpan.FromSeconds(120));

    JsonArray Images()
    {
        var r = Rl("images", "--format", "json");
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonNode.Parse(r.Stdout)!.AsArray();
    }

    /// <summary>A directory of the sandbox the test user can read, for layouts and archives.</summary>
    string NewDir(string name)
    {
        string dir = Path.Join(_s.Dir, name);
        Directory.CreateDirectory(dir);
        return dir;
    }

    void Readable(string path) => Host.ChownToUser(path);

    /// <summary>Three layers covering what unpacking must keep, and whiteouts of both kinds.</summary>
    internal static IReadOnlyList<byte[]> CaseLayers() =>
    [
        new LayerBuilder()
            .Dir("etc").File("etc/hostname", "base").File("etc/removed", "gone later")
            .Dir("home").Dir("home/app", uid: 1000, gid: 1000).File("home/app/data", "mine", uid: 1000, gid: 1000)
            .Dir("opt").File("opt/old", "hidden by opaque")
            .Dir("bin").File("bin/tool", "elf", mode: 0x9ed /* 04755 */).HardLink("bin/tool-link", "bin/tool")
            .Symlink("bin/abs", "/etc/hostname")
            .File("xattr", "x", xattrs: new() { ["user.rlrun.note"] = "kept" })
            .CharDevice("null", 1, 3)
            .Build(),
        new LayerBuilder().Dir("etc").Whiteout("etc/removed").Dir("opt").Opaque("opt").File("opt/new", "fresh").Build(),
        new LayerBuilder().Dir("srv", uid: 65535, gid: 65535).File("srv/top", "z", uid: 65535, gid: 65535).Build(),
    ];

    static string Stat(string path, string format = "%u:%g") =>
        Proc.Run("/usr/bin/stat", ["-c", format, path]).EnsureSuccess($"stat {path}").Stdout.Trim();

    string LayerDiff(JsonObject inspect, int i) => inspect["layer_records"]![i]!["path"]!.GetValue<string>();

    JsonObject Inspect(string reference)
    {
        var r = Rl("image", "inspect", reference);
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonNode.Parse(r.Stdout)!.AsArray()[0]!.AsObject();
    }

    [SubIdFact]
    public void Layout_import_owns_files_through_the_subordinate_range_in_overlay_form()
    {
        string layout = NewDir("layout");
        OciLayoutWriter.Write(layout, CaseLayers());
        Readable(layout);
        var r = Rl("--debug", "image", "import", layout, "localhost/cases:v1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("device node skipped", r.Stderr);

        var image = Inspect("localhost/cases:v1");
        string l0 = LayerDiff(image, 0), l1 = LayerDiff(image, 1), l2 = LayerDiff(image, 2);
        uint sub = Host.SubUid!.Value.Start, subg = Host.SubGid!.Value.Start;
        // Container 0 is the user; container N (1..) is subordinate start + N - 1.
        Assert.Equal($"{Host.Uid}:{Host.Gid}", Stat(Path.Join(l0, "etc", "hostname")));
        Assert.Equal($"{sub + 999}:{subg + 999}", Stat(Path.Join(l0, "home", "app", "data")));
        Assert.Equal($"{sub + 65534}:{subg + 65534}", Stat(Path.Join(l2, "srv", "top")));
        Assert.Equal("4755", Stat(Path.Join(l0, "bin", "tool"), "%a"));
        Assert.Equal(Stat(Path.Join(l0, "bin", "tool"), "%i"), Stat(Path.Join(l0, "bin", "tool-link"), "%i"));
        Assert.Equal("/etc/hostname", new FileInfo(Path.Join(l0, "bin", "abs")).LinkTarget);
        Assert.False(File.Exists(Path.Join(l0, "null")));
        Assert.Equal("kept", Xattr.Get(Path.Join(l0, "xattr"), "user.rlrun.note"));
        // Whiteout: a 0/0 character device; opaque directory: user.overlay.opaque=y.
        Assert.Equal("character special file 0,0", Stat(Path.Join(l1, "etc", "removed"), "%F %t,%T"));
        Assert.Equal("y", Xattr.Get(Path.Join(l1, "opt"), "user.overlay.opaque"));
        Assert.Null(Xattr.Get(Path.Join(l1, "etc"), "user.overlay.opaque"));
        Assert.Equal("overlay-userxattr", image["layer_records"]![1]!["format"]!.GetValue<string>());
        Assert.Equal($"0:{Host.Uid}:1,1:{sub}:{Host.SubUid.Value.Count}", image["layer_records"]![0]!["uid_map"]!.GetValue<string>());

        var table = Rl("images");
        Assert.Contains("localhost/cases", table.Stdout);
        Assert.Equal(image["id"]!.GetValue<string>()[..12], Rl("images", "-q").Stdout.Trim());
    }

    [SubIdFact]
    public void Oci_archive_and_layout_give_one_image_and_rmi_removes_its_files()
    {
        string layout = NewDir("layout");
        var written = OciLayoutWriter.Write(layout, CaseLayers(), refName: "localhost/arch:1");
        string archive = Path.Join(_s.Dir, "image.tar");
        OciLayoutWriter.Archive(layout, archive);
        Readable(layout);
        Readable(archive);
        var a = Rl("image", "import", layout);
        var b = Rl("image", "import", $"oci-archive:{archive}", "localhost/other:2");
        Assert.True(a.ExitCode == 0 && b.ExitCode == 0, $"{a}\n{b}");
        Assert.Equal(written.ConfigDigest[7..], a.Stdout.Trim());
        Assert.Equal(a.Stdout.Trim(), b.Stdout.Trim());
        var images = Images();
        Assert.Single(images);
        Assert.Equal(["localhost/arch:1", "localhost/other:2"], images[0]!["names"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(_storage, "tmp")));

        string layers = Path.Join(_storage, "layers");
        Assert.Equal(3, Directory.EnumerateDirectories(layers).Count());
        Assert.Equal(0, Rl("rmi", "localhost/arch:1").ExitCode);
        Assert.Equal(3, Directory.EnumerateDirectories(layers).Count()); // only untagged
        var rmi = Rl("rmi", "localhost/other:2");
        Assert.True(rmi.ExitCode == 0, rmi.ToString());
        Assert.Contains("Deleted: " + written.ConfigDigest[7..], rmi.Stdout);
        Assert.Empty(Directory.EnumerateFileSystemEntries(layers));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(_storage, "blobs", "sha256")));
    }

    /// <summary>podman 4.3's `images NAME[:TAG]`: the images one of whose names matches (whole, or by
    /// its last path parts), each under all its names; no match is the header alone.</summary>
    [SubIdFact]
    public void Images_with_a_name_lists_the_images_that_have_a_matching_name()
    {
        string one = NewDir("one"), two = NewDir("two");
        OciLayoutWriter.Write(one, CaseLayers(), refName: "localhost/team/app:1");
        OciLayoutWriter.Write(two, [CaseLayers()[0]], refName: "localhost/tool:1");
        Readable(one);
        Readable(two);
        foreach (var args in new[] { new[] { one }, [one, "localhost/alias:2"], [two] })
        {
            var r = Rl(["image", "import", .. args]);
            Assert.True(r.ExitCode == 0, r.ToString());
        }
        var app = Rl("images", "app");
        Assert.True(app.ExitCode == 0, app.ToString());
        Assert.Contains("localhost/team/app", app.Stdout);
        Assert.Contains("localhost/alias", app.Stdout);
        Assert.DoesNotContain("localhost/tool", app.Stdout);
        Assert.DoesNotContain("localhost/team/app", Rl("images", "team/app:2").Stdout);
        Assert.Equal("localhost/tool:1", Assert.Single(JsonNode.Parse(Rl("images", "--format", "json", "tool:1").Stdout)!.AsArray())!["names"]![0]!.GetValue<string>());
        var none = Rl("images", "nothing");
        Assert.True(none.ExitCode == 0 && none.Stdout.TrimEnd('\n').Split('\n').Length == 1, none.ToString());
    }

    [SubIdFact]
    public void Concurrent_imports_of_one_image_both_succeed_and_store_it_once()
    {
        string layout = NewDir("layout");
        OciLayoutWriter.Write(layout, CaseLayers());
        Readable(layout);
        using var p1 = _s.StartRl(["image", "import", layout, "localhost/c:1", "--storage", _storage]);
        using var p2 = _s.StartRl(["image", "import", layout, "localhost/c:2", "--storage", _storage]);
        var r1 = p1.Wait(TimeSpan.FromSeconds(120));
        var r2 = p2.Wait(TimeSpan.FromSeconds(120));
        Assert.True(r1.ExitCode == 0 && r2.ExitCode == 0, $"{r1}\n{r2}");
        var image = Assert.Single(Images());
        Assert.Equal(2, image!["names"]!.AsArray().Count);
        Assert.Equal(3, Directory.EnumerateDirectories(Path.Join(_storage, "layers")).Count());
        var index = JsonNode.Parse(File.ReadAllText(Path.Join(_storage, "index.json")))!;
        Assert.All(index["layers"]!.AsObject(), l => Assert.Equal(1, l.Value!["refs"]!.GetValue<int>()));
        // 3 layers, the config, the manifest: each blob once, no temp file.
        Assert.Equal(5, Directory.EnumerateFileSystemEntries(Path.Join(_storage, "blobs", "sha256")).Count());
    }

    [SubIdFact]
    public void Kill_9_during_import_leaves_nothing_visible_and_the_next_import_works()
    {
        // A layer big enough to take a while: 192 MiB of data that neither compresses nor has holes.
        var big = new byte[192 << 20];
        new Random(7).NextBytes(big);
        string layout = NewDir("layout");
        OciLayoutWriter.Write(layout, [new LayerBuilder().Dir("data", uid: 5, gid: 5).File("data/blob", big, uid: 5, gid: 5).Build()], gzip: false);
        big = [];
        Readable(layout);
        string layers = Path.Join(_storage, "layers");

        using var p = _s.StartRl(["image", "import", layout, "localhost/killed:1", "--storage", _storage]);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !p.HasExited &&
               !(Directory.Exists(layers) && Directory.EnumerateDirectories(layers, ".tmp-*").Any(d => Directory.Exists(Path.Join(d, "diff", "data")))))
            Thread.Sleep(5);
        Assert.False(p.HasExited, $"the import ended before it could be killed: {p.Stdout} {p.Stderr}");
        Host.Signal(p.Pid, Host.SIGKILL);
        p.Wait(TimeSpan.FromSeconds(10));

        // Nothing named, no layer in place; the half layer is a temp directory only.
        Assert.Empty(Images());
        Assert.DoesNotContain(Directory.EnumerateDirectories(layers), d => !Path.GetFileName(d).StartsWith(".tmp-"));

        var again = Rl("image", "import", layout, "localhost/killed:1");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(layers, ".tmp-*"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(_storage, "blobs", "sha256"), ".tmp-*"));
        var image = Inspect("localhost/killed:1");
        Assert.Equal(192L << 20, new FileInfo(Path.Join(LayerDiff(image, 0), "data", "blob")).Length);
        Assert.Equal($"{Host.SubUid!.Value.Start + 4}:{Host.SubGid!.Value.Start + 4}", Stat(Path.Join(LayerDiff(image, 0), "data", "blob")));
    }

    [PodmanFact]
    public void Podman_save_docker_archive_imports_as_the_same_image_as_its_oci_archive()
    {
        using var podman = new PodmanWorld();
        string docker = Path.Join(_s.Dir, "docker.tar"), oci = Path.Join(_s.Dir, "oci.tar");
        podman.Run("runc", "save", "--format", "docker-archive", "-o", docker, PodmanWorld.Image).EnsureSuccess("podman save docker-archive");
        podman.Run("runc", "save", "--format", "oci-archive", "-o", oci, PodmanWorld.Image).EnsureSuccess("podman save oci-archive");
        var a = Rl("image", "import", $"docker-archive:{docker}");
        var b = Rl("image", "import", $"oci-archive:{oci}", "localhost/from-oci:1");
        Assert.True(a.ExitCode == 0 && b.ExitCode == 0, $"{a}\n{b}");
        Assert.True(a.Stdout.Trim() == b.Stdout.Trim(), $"two image IDs:\n{a}\n{b}\n{Rl("images")}");
        var image = Inspect(PodmanWorld.Image);
        Assert.True(File.Exists(Path.Join(LayerDiff(image, 0), "bin", "busybox")), "busybox missing from the unpacked layer");
        // PodmanWorld's image is a tar the test user made: its files are the user's uid inside the
        // layer, so the subordinate ID for that uid on the host.
        Assert.Equal($"{Host.SubUid!.Value.Start + Host.Uid - 1}:{Host.SubGid!.Value.Start + Host.Gid - 1}", Stat(Path.Join(LayerDiff(image, 0), "bin", "busybox")));
    }

    public static TheoryData<string> BadInputs() => ["unknown tag", "digest mismatch", "no linux/amd64", "zstd layer", "unknown media type", "truncated layer", "path escape"];

    [SubIdTheory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_is_one_line_and_stores_nothing(string kind)
    {
        string layout = NewDir("layout");
        var layer = new LayerBuilder().Dir("etc").File("etc/x", new string('x', 100_000)).Build();
        string source = layout;
        string[] words;
        switch (kind)
        {
            case "unknown tag":
                OciLayoutWriter.Write(layout, [layer], refName: "v1");
                source = layout + ":v2";
                words = ["no image named \"v2\""];
                break;
            case "digest mismatch":
                var w = OciLayoutWriter.Write(layout, [layer]);
                string path = Path.Join(layout, "blobs", "sha256", w.LayerDigests[0][7..]);
                var bytes = File.ReadAllBytes(path);
                bytes[^10] ^= 0xff;
                File.WriteAllBytes(path, bytes);
                words = ["digest mismatch", "layer 1"];
                break;
            case "no linux/amd64":
            {
                // A multi-platform index whose only entry is linux/arm64.
                OciLayoutWriter.Write(layout, [layer], architecture: "arm64");
                var index = JsonNode.Parse(File.ReadAllText(Path.Join(layout, "index.json")))!;
                var entry = index["manifests"]![0]!.DeepClone();
                entry["platform"] = new JsonObject { ["os"] = "linux", ["architecture"] = "arm64" };
                entry.AsObject().Remove("annotations");
                var nested = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = "application/vnd.oci.image.index.v1+json", ["manifests"] = new JsonArray(entry) };
                byte[] nestedBytes = System.Text.Encoding.UTF8.GetBytes(nested.ToJsonString());
                string nestedDigest = OciLayoutWriter.Blob(layout, nestedBytes);
                index["manifests"]![0] = new JsonObject
                {
                    ["mediaType"] = "application/vnd.oci.image.index.v1+json", ["digest"] = nestedDigest, ["size"] = nestedBytes.Length,
                };
                File.WriteAllText(Path.Join(layout, "index.json"), index.ToJsonString());
                words = ["no linux/amd64 entry", "linux/arm64"];
                break;
            }
            case "zstd layer":
                // A gzip blob that says it is zstd.
                OciLayoutWriter.Write(layout, [layer], editManifest: m => m["layers"]![0]!["mediaType"] = "application/vnd.oci.image.layer.v1.tar+zstd");
                words = ["zstd"];
                break;
            case "unknown media type":
                OciLayoutWriter.Write(layout, [layer], editManifest: m => m["layers"]![0]!["mediaType"] = "application/x-rlrun-test");
                words = ["application/x-rlrun-test"];
                break;
            case "truncated layer":
                // The blob's digest and size describe the truncated bytes: only unpacking can tell.
                OciLayoutWriter.Write(layout, [layer], gzip: false, layerBlob: (_, b) => b[..(b.Length / 2)]);
                words = ["truncated", "layer 1"];
                break;
            default:
                OciLayoutWriter.Write(layout, [new LayerBuilder().Dir("a").File("a/../../escape", "x").Build()]);
                words = ["a/../../escape"];
                break;
        }
        Readable(layout);
        var r = Rl("image", "import", source, "localhost/bad:1");
        Assert.True(r.ExitCode != 0, $"expected a failure: {r}");
        string err = r.Stderr.TrimEnd('\n');
        Assert.True(err.Length > 0 && !err.Contains('\n'), $"expected one line on stderr: {r}");
        foreach (var word in words) Assert.True(err.Contains(word), $"stderr does not name \"{word}\": {r}");
        Assert.Empty(Images());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(_storage, "layers")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(_storage, "tmp")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(_storage, "blobs", "sha256"), ".tmp-*"));
        Assert.False(File.Exists(Path.Join(_s.Dir, "escape")));
    }

    [SubIdFact]
    public void Store_is_under_XDG_DATA_HOME_unless_rlrun_json_names_one()
    {
        string layout = NewDir("layout");
        OciLayoutWriter.Write(layout, [new LayerBuilder().File("f", "x").Build()]);
        string data = NewDir("data"), config = NewDir("config"), named = Path.Join(_s.Dir, "named");
        Directory.CreateDirectory(Path.Join(config, "rlrun"));
        Host.ChownToUser(_s.Dir);
        ProcResult Run(bool withConfig, params string[] args) => Proc.Run(Host.AsUser(Host.Binary, args,
            [.. Host.ShellEnv, new("XDG_DATA_HOME", data), new("XDG_CONFIG_HOME", withConfig ? config : Path.Join(_s.Dir, "none"))]),
            timeout: TimeSpan.FromSeconds(60));

        Assert.Equal(0, Run(false, "image", "import", layout, "localhost/where:1").ExitCode);
        Assert.True(File.Exists(Path.Join(data, "rlrun", "storage", "index.json")));

        File.WriteAllText(Path.Join(config, "rlrun", "rlrun.json"), $$"""{"storage": "{{named}}"}""");
        Host.ChownToUser(config);
        Assert.Equal(0, Run(true, "image", "import", layout, "localhost/where:2").ExitCode);
        Assert.Contains("localhost/where", Run(true, "images", "--storage", named).Stdout);
        Assert.DoesNotContain("where:2", Run(false, "images").Stdout);
        // Clean up both stores through rlrun (their layers hold subordinate-owned files).
        Run(false, "rmi", "localhost/where:1");
        Run(true, "rmi", "localhost/where:2");
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(named, "layers")));
    }

    [UserFact]
    public void Unknown_image_is_one_line_for_rmi_and_inspect()
    {
        foreach (var args in new[] { new[] { "rmi", "localhost/none:1" }, ["image", "inspect", "localhost/none:1"] })
        {
            var r = Rl(args);
            Assert.True(r.ExitCode != 0, r.ToString());
            Assert.Contains("image not known: \"localhost/none:1\"", r.Stderr);
            Assert.DoesNotContain('\n', r.Stderr.TrimEnd('\n'));
        }
    }

    [TwoUidFact]
    public void Full_disk_during_unpack_is_one_line_and_stores_nothing()
    {
        // A store on a 4 MiB tmpfs; a layer whose blob is small (it compresses) but unpacks to 16 MiB.
        string small = NewDir("small");
        Proc.Run("/bin/mount", ["-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", small]).EnsureSuccess("mount tmpfs");
        try
        {
            Host.ChownToUser(small);
            var pattern = new byte[16 << 20];
            for (int i = 0; i < pattern.Length; i++) pattern[i] = (byte)(i % 251 + 1);
            string layout = NewDir("layout");
            OciLayoutWriter.Write(layout, [new LayerBuilder().File("filler", pattern).Build()]);
            Readable(layout);
            string storage = Path.Join(small, "storage");
            var r = _s.Rl(["image", "import", layout, "localhost/full:1", "--storage", storage], timeout: TimeSpan.FromSeconds(60));
            Assert.True(r.ExitCode != 0, r.ToString());
            Assert.Contains("no space left on device", r.Stderr);
            Assert.DoesNotContain('\n', r.Stderr.TrimEnd('\n'));
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(storage, "layers")));
            Assert.Equal("[]", _s.Rl(["images", "--format", "json", "--storage", storage]).Stdout.Trim());
        }
        finally { Proc.Run("/bin/umount", ["-l", small]); }
    }
}
