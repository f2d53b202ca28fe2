using System.Reflection;
using System.Text;
using System.Text.Json;
using Rlrun.Images.Store;
using Rlrun.UnitTests.Spec;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Images;

/// <summary>index.json read by hand (StoreIndexReader) reads what StoreJsonContext, which still
/// writes it, read: every field, the same nulls, the same refusals.</summary>
public class StoreIndexReaderTests
{
    static StoreIndex Full() => new()
    {
        Images =
        [
            new ImageRecord
            {
                Id = "8193bb2e", ManifestDigest = "sha256:a3", ManifestMediaType = "application/vnd.oci.image.manifest.v1+json",
                ConfigDigest = "sha256:81", Layers = [new ImageLayer { Digest = "sha256:32", DiffId = "sha256:ee", MediaType = "application/vnd.oci.image.layer.v1.tar+gzip", Size = 1088234 }],
                Names = ["bbx:latest", "é:1"], Created = new DateTimeOffset(2026, 12, 5, 0, 29, 42, 168, TimeSpan.FromHours(2)).AddTicks(4173),
                Imported = new DateTimeOffset(2026, 12, 5, 0, 29, 42, TimeSpan.Zero).AddTicks(8341893), Size = long.MaxValue, Users = ["web", "db"],
            },
            new ImageRecord { Id = "b", Created = null },
        ],
        Layers =
        {
            ["ee"] = new LayerRecord { DiffId = "sha256:ee", Refs = 2, Size = 1982381, Format = "x", UidMap = "0:1003:1,1:231072:65536", GidMap = "0:1003:1" },
            ["ff"] = new LayerRecord(),
        },
    };

    static byte[] StjBytes(StoreIndex x) => JsonSerializer.SerializeToUtf8Bytes(x, StoreJsonContext.Default.StoreIndex);

    [Fact]
    public void Reads_what_StoreJsonContext_wrote_field_for_field()
    {
        var full = Full();
        Assert.Empty(SpecJsonTests.Differences(full, StoreIndexReader.Read(StjBytes(full)), "index"));
        Assert.Empty(SpecJsonTests.Differences(new StoreIndex(), StoreIndexReader.Read(StjBytes(new StoreIndex())), "index"));
    }

    /// <summary>The test above covers a field only when the full index sets it.</summary>
    [Fact]
    public void The_full_index_sets_every_field()
    {
        var full = Full();
        object[] objects = [full, full.Images[0], full.Images[0].Layers[0], full.Layers["ee"]];
        foreach (var o in objects)
            foreach (var p in o.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                var v = p.GetValue(o);
                var fresh = p.GetValue(Activator.CreateInstance(o.GetType()));
                Assert.False(Equals(v, fresh) || v is System.Collections.ICollection { Count: 0 }, $"{o.GetType().Name}.{p.Name} is not set");
            }
    }

    [Theory]
    [InlineData("""{"images": [{"id": "a", "id": "b", "Id": "c", "future": [1, {"x": null}]}], "images": [{"id": "d"}], "x": 1}""")]
    [InlineData("""{"images": null, "layers": null}""")]
    [InlineData("""{"images": [null, {"id": null, "manifest_digest": null, "manifest_media_type": null, "config_digest": null, "layers": null, "names": null, "created": null, "users": null}]}""")]
    [InlineData("""{"images": [{"layers": [null, {"digest": null, "diff_id": null, "media_type": null}], "names": [null], "users": [null]}]}""")]
    [InlineData("""{"layers": {"a": null, "b": {"diff_id": null, "format": null, "uid_map": null, "gid_map": null}, "a": {"refs": 3}}}""")]
    [InlineData("""{"images": [{"id": "\u00e9\ud83d\ude00", "created": "2026-12-05T00:29:42Z", "imported": "2026-12-05T00:29:42.1234567-07:30"}]}""")]
    [InlineData("""{"images": [{"created": "2026-12-05"}]}""")]
    [InlineData("""{"images": [{"created": "yesterday"}]}""")]
    [InlineData("""{"images": [{"created": 5}]}""")]
    [InlineData("""{"images": [{"imported": null}]}""")]
    [InlineData("""{"images": [{"size": null}]}""")]
    [InlineData("""{"images": [{"size": "1"}]}""")]
    [InlineData("""{"images": [{"size": 1.0}]}""")]
    [InlineData("""{"images": [{"size": 9223372036854775808}]}""")]
    [InlineData("""{"layers": {"a": {"refs": 2147483648}}}""")]
    [InlineData("""{"layers": {"a": {"refs": -1}}}""")]
    [InlineData("""{"layers": []}""")]
    [InlineData("""{"layers": {"a": 5}}""")]
    [InlineData("""{"images": {}}""")]
    [InlineData("""{"images": [{"id": 5}]}""")]
    [InlineData("""{"images": [{"names": "a"}]}""")]
    [InlineData("""{"images": []} // x""")]
    [InlineData("""{"images": [],}""")]
    [InlineData("""{"images": []} {}""")]
    [InlineData("""{"images": [""")]
    [InlineData("[]")]
    [InlineData("\"index\"")]
    [InlineData("")]
    [InlineData("null")]
    public void Reads_or_refuses_as_System_Text_Json_does(string json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        StoreIndex? theirs = null, mine = null;
        Exception? theirError = null, myError = null;
        try { theirs = JsonSerializer.Deserialize(bytes, StoreJsonContext.Default.StoreIndex); }
        catch (JsonException e) { theirError = e; }
        try { mine = StoreIndexReader.Read(bytes); }
        catch (JsonException e) { myError = e; }
        Assert.True((theirError is null) == (myError is null), $"System.Text.Json: {theirError?.Message ?? "read"}; StoreIndexReader: {myError?.Message ?? "read"}");
        if (theirError is null) Assert.Empty(SpecJsonTests.Differences(theirs, mine, "index"));
    }

    [Theory]
    [InlineData("{\n  \"images\": [\n    {\"size\": \"big\"}\n  ]\n}", "3:14: field images[0].size: invalid image index (damaged): expected an integer from -9223372036854775808 to 9223372036854775807, found the string \"big\"")]
    [InlineData("""{"images": [{"created": "yesterday"}]}""", "1:25: field images[0].created: invalid image index (damaged): expected a date and time (ISO 8601), found the string \"yesterday\"")]
    [InlineData("""{"layers": {"ab": {"refs": true}}}""", "1:28: field layers.ab.refs: invalid image index (damaged): expected an integer from -2147483648 to 2147483647, found true")]
    [InlineData("""{"images": [""", "1:13: field images: invalid image index (damaged): Expected depth to be zero")]
    public void A_damaged_index_names_the_place_and_the_field(string json, string message)
    {
        using var dir = new TempDir();
        var paths = new StorePaths(dir.Path);
        File.WriteAllText(paths.IndexFile, json);
        var e = Assert.Throws<InvalidDataException>(() => new StoreIndexFile(paths).Read());
        Assert.True(e.Message.StartsWith($"{paths.IndexFile}:{message}", StringComparison.Ordinal), e.Message);
    }

    [Fact]
    public void A_missing_or_null_index_is_an_empty_one()
    {
        using var dir = new TempDir();
        var paths = new StorePaths(dir.Path);
        Assert.Empty(new StoreIndexFile(paths).Read().Images);
        File.WriteAllText(paths.IndexFile, "null");
        Assert.Empty(new StoreIndexFile(paths).Read().Images);
    }
}
