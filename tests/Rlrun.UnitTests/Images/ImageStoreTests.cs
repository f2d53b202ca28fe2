using System.Text;
using Rlrun.Images.Layout;
using Rlrun.Images.Oci;
using Rlrun.Images.Run;
using Rlrun.Images.Store;
using Rlrun.Images.Unpack;
using Rlrun.IntegrationTests.Harness;
using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Overlay;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Images;

/// <summary>The store's rules: verified blobs, one copy under concurrency, leftovers removed at open,
/// reference counts, rmi refused while a container uses an image.</summary>
public class ImageStoreTests
{
    /// <summary>Counts unpacks, so tests can tell one from two.</summary>
    sealed class CountingUnpacker : ILayerUnpacker
    {
        readonly InProcessUnpacker _inner = new(ProcessCalls.geteuid() == 0, null);
        public int Unpacks;
        public string UidMap => "test";
        public string GidMap => "test";

        public ExtractResult Unpack(string blobPath, LayerCompression compression, string destination, int heldLock = -1)
        {
            Interlocked.Increment(ref Unpacks);
            Thread.Sleep(50); // widen the window two importers could both unpack in
            return _inner.Unpack(blobPath, compression, destination);
        }

        public void Remove(string path) => _inner.Remove(path);
    }

    static readonly byte[] Base = new LayerBuilder().Dir("etc").File("etc/os-release", "ID=test").File("etc/gone", "x").Build();
    static readonly byte[] Top = new LayerBuilder().Dir("etc").Whiteout("etc/gone").File("etc/motd", "hi", uid: 1000, gid: 1000).Build();

    static (TempDir Dir, string Layout, OciLayoutWriter.Written Image) Layout(params byte[][] layers)
    {
        var t = new TempDir();
        string layout = t.Join("layout");
        var written = OciLayoutWriter.Write(layout, layers.Length > 0 ? layers : [Base, Top]);
        return (t, layout, written);
    }

    static ImageRecord Import(ImageStore store, string layout, string name)
    {
        using var source = ImageSources.Open(layout, store.Paths);
        return new ImageImporter(store, null).Import(source, ImageReference.Parse(name));
    }

    [Fact]
    public void Blob_with_wrong_content_is_refused_and_nothing_stays()
    {
        using var t = new TempDir();
        var store = ImageStore.Open(t.Join("s"), new CountingUnpacker());
        var claimed = Digest.Of("one"u8);
        var e = Assert.Throws<ImageFormatException>(() => store.Blobs.Put(claimed, Encoding.UTF8.GetBytes("two"), "layer 1"));
        Assert.Contains("digest mismatch", e.Message);
        Assert.Contains("layer 1", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(store.Paths.Blobs));
    }

    [Fact]
    public void Concurrent_writers_of_one_blob_write_it_once()
    {
        using var t = new TempDir();
        var store = ImageStore.Open(t.Join("s"), new CountingUnpacker());
        var data = new byte[4 << 20];
        Random.Shared.NextBytes(data);
        var digest = Digest.Of(data);
        int writes = 0;
        Parallel.For(0, 8, _ =>
        {
            if (store.Blobs.Put(digest, data.Length, () => new MemoryStream(data), "blob")) Interlocked.Increment(ref writes);
        });
        Assert.Equal(1, writes);
        Assert.Equal(data, File.ReadAllBytes(store.Paths.Blob(digest)));
    }

    [Fact]
    public void Import_unpacks_layers_in_overlay_form_and_counts_references()
    {
        var (t, layout, written) = Layout();
        using var _ = t;
        var unpacker = new CountingUnpacker();
        var store = ImageStore.Open(t.Join("s"), unpacker);
        var image = Import(store, layout, "test/one:v1");
        Assert.Equal(written.ConfigDigest[7..], image.Id);
        Assert.Equal(2, unpacker.Unpacks);
        string top = store.Paths.LayerDiff(Digest.Parse(written.DiffIds[1], "d"));
        Assert.True(FileCalls.lstat(Path.Join(top, "etc", "gone"), out var st) == 0 && (st.st_mode & FileCalls.S_IFMT) == FileCalls.S_IFCHR);
        var index = store.Index.Read();
        Assert.All(written.DiffIds, d => Assert.Equal(1, index.Layers[d[7..]].Refs));

        // A second name for the same image shares everything.
        Import(store, layout, "test/two:v1");
        Assert.Equal(2, unpacker.Unpacks);
        Assert.Single(store.List());
        Assert.Equal(["test/one:v1", "test/two:v1"], store.List()[0].Names);
    }

    [Fact]
    public void Concurrent_imports_of_one_image_unpack_each_layer_once()
    {
        var (t, layout, _) = Layout();
        using var _d = t;
        var unpacker = new CountingUnpacker();
        var store = ImageStore.Open(t.Join("s"), unpacker);
        Parallel.For(0, 4, i => Import(ImageStore.Open(t.Join("s"), unpacker), layout, $"test/c:{i}"));
        Assert.Equal(2, unpacker.Unpacks);
        var image = Assert.Single(store.List());
        Assert.Equal(4, image.Names.Count);
        Assert.All(store.Index.Read().Layers.Values, l => Assert.Equal(1, l.Refs));
    }

    [Fact]
    public void Shared_layer_stays_until_its_last_image_goes()
    {
        using var t = new TempDir();
        var a = OciLayoutWriter.Write(t.Join("a"), [Base]);
        var b = OciLayoutWriter.Write(t.Join("b"), [Base, Top]);
        var store = ImageStore.Open(t.Join("s"), new CountingUnpacker());
        Import(store, t.Join("a"), "a");
        Import(store, t.Join("b"), "b");
        string baseHex = a.DiffIds[0][7..];
        Assert.Equal(2, store.Index.Read().Layers[baseHex].Refs);

        var collector = new ImageCollector(store, null);
        collector.Remove("a", force: false);
        Assert.Equal(1, store.Index.Read().Layers[baseHex].Refs);
        Assert.True(Directory.Exists(store.Paths.Layer(new Digest(baseHex))));
        collector.Remove("b", force: false);
        Assert.Empty(store.Index.Read().Layers);
        Assert.Empty(Directory.EnumerateDirectories(store.Paths.Layers));
        Assert.Empty(store.Blobs.All());
    }

    [Fact]
    public void Rmi_is_refused_while_a_container_uses_the_image_unless_forced()
    {
        var (t, layout, _) = Layout();
        using var _d = t;
        var store = ImageStore.Open(t.Join("s"), new CountingUnpacker());
        var image = Import(store, layout, "busy");
        store.AddUser("busy", "ctr1");
        var collector = new ImageCollector(store, null);
        var e = Assert.Throws<InvalidOperationException>(() => collector.Remove("busy", force: false));
        Assert.Contains("ctr1", e.Message);
        Assert.Single(store.List());
        store.RemoveUser(image.Id, "ctr1");
        store.AddUser(image.Id[..12], "ctr2");
        // Forced: the names go, the image and its layers stay while the container uses them.
        var forced = collector.Remove("busy", force: true);
        Assert.Equal(["busy:latest"], forced.Untagged.Select(n => n.Split('/')[^1]));
        Assert.Empty(forced.Deleted);
        Assert.Equal(["ctr2"], forced.KeptFor);
        Assert.Empty(Assert.Single(store.List()).Names);
        Assert.All(store.Index.Read().Layers.Keys, hex => Assert.True(Directory.Exists(store.Paths.LayerDiff(new Digest(hex)))));
        Assert.Empty(collector.Prune());
        store.RemoveUser(image.Id, "ctr2");
        Assert.Equal([image.Id], collector.Prune());
        Assert.Empty(store.List());
        Assert.Empty(Directory.EnumerateDirectories(store.Paths.Layers));
    }

    /// <summary>podman 4.3: `rmi NAME` of one name of several is an untag, whoever uses the image.</summary>
    [Fact]
    public void Rmi_of_one_name_of_several_untags_it_even_while_a_container_uses_the_image()
    {
        var (t, layout, _) = Layout();
        using var _d = t;
        var store = ImageStore.Open(t.Join("s"), new CountingUnpacker());
        var image = Import(store, layout, "busy");
        Import(store, layout, "other");
        store.AddUser("busy", "ctr1");
        var collector = new ImageCollector(store, null);
        var r = collector.Remove("other", force: false);
        Assert.Equal(["other:latest"], r.Untagged.Select(n => n.Split('/')[^1]));
        Assert.Empty(r.Deleted);
        Assert.Single(Assert.Single(store.List()).Names);
        // Its last name still needs --force.
        Assert.Throws<InvalidOperationException>(() => collector.Remove("busy", force: false));
        store.RemoveUser(image.Id, "ctr1");
    }

    /// <summary>podman 4.3: `rmi REPO@DIGEST` of an image pulled by digest and by tag untags the
    /// digest name; the image and its other name stay.</summary>
    [Fact]
    public void Rmi_of_a_digest_name_untags_it_when_the_image_has_another_name()
    {
        var (t, layout, written) = Layout();
        using var _d = t;
        var store = ImageStore.Open(t.Join("s"), new CountingUnpacker());
        var image = Import(store, layout, "reg.example/app:1");
        string byDigest = $"reg.example/app@{written.ManifestDigest}";
        store.Index.Update(index => index.Images.Single(i => i.Id == image.Id).Names.Add(byDigest));
        var r = new ImageCollector(store, null).Remove(byDigest, force: false);
        Assert.Equal([byDigest], r.Untagged);
        Assert.Empty(r.Deleted);
        Assert.Equal(["reg.example/app:1"], Assert.Single(store.List()).Names);
    }

    [Fact]
    public void Prune_removes_short_links_to_no_layer_and_layers_no_image_lists()
    {
        var (t, layout, _) = Layout();
        using var _d = t;
        var store = ImageStore.Open(t.Join("s"), new CountingUnpacker());
        var image = Import(store, layout, "kept");
        var diffIds = image.Layers.Select(l => Digest.Parse(l.DiffId, "diff_id")).ToList();
        var links = diffIds.Select(d => ShortLinks.For(store.Paths, d)).ToList();
        string linkDir = Path.Join(store.Paths.Root, ShortLinks.Dir);
        // A link whose layer went, and one a race made for a live layer that nothing names.
        File.CreateSymbolicLink(Path.Join(linkDir, "DANGLINGAAAAAAAAAAAAAAAAAA"), "../layers/0000/diff");
        File.CreateSymbolicLink(Path.Join(linkDir, "RACELOSERAAAAAAAAAAAAAAAAA"), $"../layers/{diffIds[0].Hex}/diff");
        // A container's layers.json names a link its layer does not: kept (its restart mounts it).
        string ctr = Path.Join(ContainerReferences.Dir(store.Paths), "c1");
        Directory.CreateDirectory(ctr);
        File.CreateSymbolicLink(Path.Join(linkDir, "CONTAINERSAAAAAAAAAAAAAAAA"), $"../layers/{diffIds[1].Hex}/diff");
        File.WriteAllText(Path.Join(ctr, LayeredRoot.FileName), $$"""{"driver":"overlay","lowers":["l/CONTAINERSAAAAAAAAAAAAAAAA"]}""");
        // A layer with a count but no image listing it (a count gone wrong), with its link.
        var strayBytes = new LayerBuilder().File("stray", "x").Build();
        var (t2, strayLayout, stray) = Layout(strayBytes);
        using var _d2 = t2;
        var strayImage = Import(store, strayLayout, "stray");
        string strayLink = ShortLinks.For(store.Paths, Digest.Parse(stray.DiffIds[0], "diff_id"));
        store.Index.Update(index => { index.Images.RemoveAll(i => i.Id == strayImage.Id); });

        new ImageCollector(store, null).Prune();
        var left = Directory.EnumerateFileSystemEntries(linkDir).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(links.Select(l => l[2..]).Append("CONTAINERSAAAAAAAAAAAAAAAA").Order(), left);
        Assert.False(Directory.Exists(store.Paths.Layer(Digest.Parse(stray.DiffIds[0], "diff_id"))));
        Assert.DoesNotContain(strayLink[2..], left);
        Assert.Equal(diffIds.Select(d => d.Hex).Order(), store.Index.Read().Layers.Keys.Order());

        Directory.Delete(ctr, recursive: true);
        new ImageCollector(store, null).Prune();
        Assert.Equal(links.Select(l => l[2..]).Order(), Directory.EnumerateFileSystemEntries(linkDir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Leftovers_of_a_dead_writer_go_at_open_and_live_ones_stay()
    {
        using var t = new TempDir();
        var store = ImageStore.Open(t.Join("s"), new CountingUnpacker());
        var dead = Digest.Of("dead"u8);
        var live = Digest.Of("live"u8);
        string deadBlob = Path.Join(store.Paths.Blobs, $".tmp-{dead.Hex}-1");
        string liveBlob = Path.Join(store.Paths.Blobs, $".tmp-{live.Hex}-1");
        string deadLayer = Path.Join(store.Paths.Layers, $".tmp-{dead.Hex}-2");
        string deadArchive = Path.Join(store.Paths.Tmp, "import-0123");
        File.WriteAllText(deadBlob, "half");
        File.WriteAllText(liveBlob, "half");
        Directory.CreateDirectory(Path.Join(deadLayer, "diff", "etc"));
        Directory.CreateDirectory(deadArchive);
        File.WriteAllText(Path.Join(store.Paths.Root, ".tmp-index.json-abc"), "{");

        using (FileLock.Exclusive(store.Paths.BlobLock(live)))
            ImageStore.Open(t.Join("s"), new CountingUnpacker());

        Assert.False(File.Exists(deadBlob));
        Assert.True(File.Exists(liveBlob));
        Assert.False(Directory.Exists(deadLayer));
        Assert.False(Directory.Exists(deadArchive));
        Assert.False(File.Exists(Path.Join(store.Paths.Root, ".tmp-index.json-abc")));
    }

    [Fact]
    public void Concurrent_index_updates_lose_nothing()
    {
        using var t = new TempDir();
        var store = ImageStore.Open(t.Join("s"), new CountingUnpacker());
        Parallel.For(0, 20, i => new StoreIndexFile(store.Paths).Update(index =>
            index.Images.Add(new ImageRecord { Id = i.ToString("x64"), Names = [$"n:{i}"] })));
        Assert.Equal(20, store.List().Count);
    }

    [Fact]
    public void Layer_that_does_not_match_its_diff_id_is_not_kept()
    {
        using var t = new TempDir();
        OciLayoutWriter.Write(t.Join("l"), [Base], editConfig: c =>
            c["rootfs"]!["diff_ids"]![0] = "sha256:" + new string('0', 64));
        var store = ImageStore.Open(t.Join("s"), new CountingUnpacker());
        var e = Assert.Throws<ImageFormatException>(() => Import(store, t.Join("l"), "bad"));
        Assert.Contains("diff_id mismatch", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(store.Paths.Layers));
        Assert.Empty(store.List());
    }

    [Fact]
    public void Docker_archive_and_oci_layout_give_the_same_image()
    {
        var (t, layout, written) = Layout();
        using var _d = t;
        // A docker-archive as podman save writes it: manifest.json, the config, uncompressed layer tars.
        string dir = t.Join("docker");
        Directory.CreateDirectory(dir);
        string configHex = written.ConfigDigest[7..];
        File.Copy(Path.Join(layout, "blobs", "sha256", configHex), Path.Join(dir, configHex + ".json"));
        File.WriteAllBytes(Path.Join(dir, "l1.tar"), Base);
        File.WriteAllBytes(Path.Join(dir, "l2.tar"), Top);
        File.WriteAllText(Path.Join(dir, "manifest.json"), $$"""[{"Config":"{{configHex}}.json","RepoTags":["localhost/d:1"],"Layers":["l1.tar","l2.tar"]}]""");
        System.Formats.Tar.TarFile.CreateFromDirectory(dir, t.Join("d.tar"), includeBaseDirectory: false);

        var store = ImageStore.Open(t.Join("s"), new CountingUnpacker());
        var fromLayout = Import(store, layout, "o");
        ImageRecord fromArchive;
        using (var source = ImageSources.Open("docker-archive:" + t.Join("d.tar"), store.Paths))
            fromArchive = new ImageImporter(store, null).Import(source, null);
        Assert.Equal(fromLayout.Layers.Select(l => l.DiffId), fromArchive.Layers.Select(l => l.DiffId));
        Assert.Equal(fromLayout.Id, fromArchive.Id);
        Assert.Contains("localhost/d:1", fromArchive.Names);
        Assert.Empty(Directory.EnumerateFileSystemEntries(store.Paths.Tmp));
    }
}
