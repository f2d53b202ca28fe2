using System.Reflection;
using System.Text;
using System.Text.Json;
using Rlrun.Runtime.Overlay;
using Rlrun.Runtime.Spec;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Overlay;

/// <summary>layers.json by hand (LayeredRootJson) writes the bytes LayeredRootJsonContext wrote and
/// reads what it read; a null where a path or the layer list belongs is refused at its field.</summary>
public sealed class LayeredRootJsonTests
{
    // Every field set, with what the default encoder escapes: '+', '<', '&', a quote, non-ASCII.
    static LayeredRoot Full() => new()
    {
        Driver = "fuse-overlayfs",
        Store = "/home/al+ce/.local/share/rlrun/storage <&> \"é\"",
        Lowers = ["l/ABCDEFGHIJKLMNOPQRSTUVWXYZ", "l/2345672345672345672345672\u00e9\ud83d\ude00"],
        Upper = "/home/al+ce/.local/share/rlrun/storage/containers/c+1/upper",
        Work = "/home/al+ce/.local/share/rlrun/storage/containers/c+1/work",
        FuseOverlayfs = "/usr/bin/fuse-overlayfs\t'x'",
    };

    public static TheoryData<string> Cases => ["full", "empty", "no-fuse", "no-lowers"];

    static LayeredRoot Case(string name) => name switch
    {
        "full" => Full(),
        "empty" => new LayeredRoot(),
        "no-fuse" => new LayeredRoot { Driver = "overlay", Store = "/s", Lowers = ["l/A"], Upper = "/u", Work = "/w" },
        _ => new LayeredRoot { Lowers = [] },
    };

    static string Stj(LayeredRoot x) => JsonSerializer.Serialize(x, LayeredRootJsonContext.Default.LayeredRoot);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Writes_the_bytes_System_Text_Json_writes(string name)
    {
        var x = Case(name);
        Assert.Equal(Stj(x), Encoding.UTF8.GetString(LayeredRootJson.Serialize(x)));
    }

    [Fact]
    public void Escapes_as_the_default_encoder_does()
    {
        string json = Encoding.UTF8.GetString(LayeredRootJson.Serialize(Full()));
        Assert.Contains("/home/al\\u002Bce/", json);
        Assert.Contains("\\u003C\\u0026\\u003E \\u0022\\u00E9\\u0022", json);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reads_what_System_Text_Json_wrote(string name)
    {
        var x = Case(name);
        var back = LayeredRootJson.Read(JsonSerializer.SerializeToUtf8Bytes(x, LayeredRootJsonContext.Default.LayeredRoot));
        Assert.NotNull(back);
        Assert.Equal(Stj(x), Stj(back));
    }

    /// <summary>The two tests above cover a field only when the full fixture sets it.</summary>
    [Fact]
    public void The_full_fixture_sets_every_field()
    {
        var full = Full();
        var fresh = new LayeredRoot();
        foreach (var p in typeof(LayeredRoot).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var v = p.GetValue(full);
            Assert.False(Equals(v, p.GetValue(fresh)) || v is System.Collections.ICollection { Count: 0 }, $"LayeredRoot.{p.Name} is not set");
        }
    }

    /// <summary>Both read alike, or both refuse: names case-sensitive, unknown ones (the computed
    /// LowerPaths an older rlrun wrote) skipped, the last of a duplicate wins, escapes in names.</summary>
    [Theory]
    [InlineData("""{"driver": "vfs", "store": "/s", "lowers": ["l/A"], "upper": "/u", "work": "/w", "LowerPaths": ["/s/l/A"]}""")]
    [InlineData("""{"driver": "a", "driver": "vfs", "Driver": "x", "lowers": ["l/A"], "lowers": [], "future": {"x": [1, null]}}""")]
    [InlineData("""{"d\u0072iver": "fuse-overlayfs", "fuse_overlayfs": null, "upper": "\ud83d\ude00"}""")]
    [InlineData("""{"fuse_overlayfs": "/f", "fuse_overlayfs": null}""")]
    [InlineData("{}")]
    [InlineData("""{"driver": 5}""")]
    [InlineData("""{"lowers": "l/A"}""")]
    [InlineData("""{"lowers": [5]}""")]
    [InlineData("""{"lowers": {}}""")]
    [InlineData("""{"fuse_overlayfs": true}""")]
    [InlineData("""{"upper": "/u"} // x""")]
    [InlineData("""{"upper": "/u",}""")]
    [InlineData("""{"upper": "/u"} {}""")]
    [InlineData("""{"upper": """)]
    [InlineData("[]")]
    [InlineData("\"layers\"")]
    [InlineData("")]
    [InlineData("null")]
    public void Reads_or_refuses_as_System_Text_Json_does(string json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        LayeredRoot? theirs = null, mine = null;
        Exception? theirError = null, myError = null;
        try { theirs = JsonSerializer.Deserialize(bytes, LayeredRootJsonContext.Default.LayeredRoot); }
        catch (JsonException e) { theirError = e; }
        try { mine = LayeredRootJson.Read(bytes); }
        catch (JsonException e) { myError = e; }
        Assert.True((theirError is null) == (myError is null), $"System.Text.Json: {theirError?.Message ?? "read"}; LayeredRootJson: {myError?.Message ?? "read"}");
        if (theirError is null) Assert.Equal(theirs is null ? "null" : Stj(theirs), mine is null ? "null" : Stj(mine));
    }

    /// <summary>The context read these and left a null for Check to trip over (lowers: a crash; store:
    /// the lowers taken relative to the working directory; a null lower: the store itself mounted):
    /// refused now (A_broken_file_is_refused_with_its_place_and_field).</summary>
    [Theory]
    [InlineData("""{"driver": null}""")]
    [InlineData("""{"store": null}""")]
    [InlineData("""{"lowers": null}""")]
    [InlineData("""{"lowers": ["l/A", null]}""")]
    [InlineData("""{"upper": null, "work": null}""")]
    public void Nulls_the_context_let_through_are_refused(string json)
    {
        Assert.NotNull(JsonSerializer.Deserialize(json, LayeredRootJsonContext.Default.LayeredRoot));
        Assert.ThrowsAny<JsonException>(() => LayeredRootJson.Read(Encoding.UTF8.GetBytes(json)));
    }

    [Theory]
    [InlineData("""{"driver": null}""", "1:12: field driver: invalid layered root: expected a string, found null")]
    [InlineData("""{"store": null}""", "1:11: field store: invalid layered root: expected a string, found null")]
    [InlineData("""{"lowers": null}""", "1:12: field lowers: invalid layered root: expected an array of strings, found null")]
    [InlineData("""{"lowers": ["l/A", null]}""", "1:20: field lowers[1]: invalid layered root: expected a string, found null")]
    [InlineData("{\n  \"upper\": \"/u\",\n  \"work\": null\n}", "3:11: field work: invalid layered root: expected a string, found null")]
    [InlineData("""{"upper": 7}""", "1:11: field upper: invalid layered root: expected a string, found 7")]
    [InlineData("""{"lowers": ["l/A",]}""", "1:19: field lowers[1]: invalid layered root: ")]
    public void A_broken_file_is_refused_with_its_place_and_field(string json, string message)
    {
        using var dir = new TempDir();
        string path = dir.Join(LayeredRoot.FileName);
        File.WriteAllText(path, json);
        var e = Assert.Throws<SpecError>(() => LayeredRootFile.Load(dir.Path, new OciSpec()));
        Assert.True(e.Message.StartsWith($"{path}:{message}", StringComparison.Ordinal), e.Message);
    }

    [Fact]
    public void A_null_document_is_refused_as_empty_and_no_file_is_a_plain_bundle()
    {
        using var dir = new TempDir();
        Assert.Null(LayeredRootFile.Load(dir.Path, new OciSpec()));
        File.WriteAllText(dir.Join(LayeredRoot.FileName), "null");
        var e = Assert.Throws<SpecError>(() => LayeredRootFile.Load(dir.Path, new OciSpec()));
        Assert.Equal($"{dir.Join(LayeredRoot.FileName)}: empty", e.Message);
    }
}
