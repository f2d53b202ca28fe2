using System.Reflection;
using System.Text;
using System.Text.Json;
using Rlrun.Images.Run;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Images;

/// <summary>image.json by hand (ImageContainerRecordJson) writes the bytes ImageRunJsonContext
/// wrote and reads what it read, nulls included.</summary>
public sealed class ImageContainerRecordJsonTests
{
    // Every field set, with what the default encoder escapes: '+', '<', '&', a quote, non-ASCII.
    static ImageContainerRecord Full() => new()
    {
        Id = "web+1",
        Image = "registry.example:5000/team/app:v1.0+build<&>\"é\ud83d\ude00\"",
        ImageId = "a6cc44599fa72f35a02acb6fccada4208aea1d615f35cf279d394581e0fa7bf5",
        Store = "/home/al+ce/.local/share/rlrun/storage",
        Driver = "fuse-overlayfs",
    };

    public static TheoryData<string> Cases => ["full", "empty", "nulls"];

    static ImageContainerRecord Case(string name) => name switch
    {
        "full" => Full(),
        "empty" => new ImageContainerRecord(),
        _ => new ImageContainerRecord { Id = null!, Image = null!, ImageId = null!, Store = null!, Driver = null! },
    };

    static string Stj(ImageContainerRecord x) => JsonSerializer.Serialize(x, ImageRunJsonContext.Default.ImageContainerRecord);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Writes_the_bytes_System_Text_Json_writes(string name)
    {
        var x = Case(name);
        Assert.Equal(Stj(x), Encoding.UTF8.GetString(ImageContainerRecordJson.Serialize(x)));
    }

    [Fact]
    public void Escapes_as_the_default_encoder_does()
    {
        string json = Encoding.UTF8.GetString(ImageContainerRecordJson.Serialize(Full()));
        Assert.Contains("\"web\\u002B1\"", json);
        Assert.Contains("v1.0\\u002Bbuild\\u003C\\u0026\\u003E\\u0022\\u00E9\\uD83D\\uDE00\\u0022", json);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reads_what_System_Text_Json_wrote(string name)
    {
        var x = Case(name);
        var back = ImageContainerRecordJson.Read(JsonSerializer.SerializeToUtf8Bytes(x, ImageRunJsonContext.Default.ImageContainerRecord));
        Assert.NotNull(back);
        Assert.Equal(Stj(x), Stj(back));
    }

    /// <summary>The two tests above cover a field only when the full fixture sets it.</summary>
    [Fact]
    public void The_full_fixture_sets_every_field()
    {
        var full = Full();
        var fresh = new ImageContainerRecord();
        foreach (var p in typeof(ImageContainerRecord).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            Assert.False(Equals(p.GetValue(full), p.GetValue(fresh)), $"ImageContainerRecord.{p.Name} is not set");
    }

    /// <summary>Both read alike, or both refuse: names case-sensitive, unknown ones skipped, the last
    /// of a duplicate wins, escapes in names, a null kept.</summary>
    [Theory]
    [InlineData("""{"id": "a", "id": "b", "Id": "c", "future": [1, {"x": null}], "image": "i", "image_id": "f", "store": "/s", "driver": "vfs"}""")]
    [InlineData("""{"id": null, "image": null, "image_id": null, "store": null, "driver": null}""")]
    [InlineData("""{"\u0069d": "\u00e9\ud83d\ude00"}""")]
    [InlineData("{}")]
    [InlineData("""{"id": 5}""")]
    [InlineData("""{"driver": ["vfs"]}""")]
    [InlineData("""{"store": {}}""")]
    [InlineData("""{"id": "a"} // x""")]
    [InlineData("""{"id": "a",}""")]
    [InlineData("""{"id": "a"} {}""")]
    [InlineData("""{"id": """)]
    [InlineData("[]")]
    [InlineData("\"record\"")]
    [InlineData("")]
    [InlineData("null")]
    public void Reads_or_refuses_as_System_Text_Json_does(string json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        ImageContainerRecord? theirs = null, mine = null;
        Exception? theirError = null, myError = null;
        try { theirs = JsonSerializer.Deserialize(bytes, ImageRunJsonContext.Default.ImageContainerRecord); }
        catch (JsonException e) { theirError = e; }
        try { mine = ImageContainerRecordJson.Read(bytes); }
        catch (JsonException e) { myError = e; }
        Assert.True((theirError is null) == (myError is null), $"System.Text.Json: {theirError?.Message ?? "read"}; ImageContainerRecordJson: {myError?.Message ?? "read"}");
        if (theirError is null) Assert.Equal(theirs is null ? "null" : Stj(theirs), mine is null ? "null" : Stj(mine));
    }

    [Fact]
    public void A_missing_or_unreadable_record_is_no_image_container()
    {
        using var dir = new TempDir();
        Assert.Null(ImageContainerRecord.Read(dir.Path));
        File.WriteAllText(dir.Join(ImageContainerRecord.FileName), """{"id": 5}""");
        Assert.Null(ImageContainerRecord.Read(dir.Path));
        File.WriteAllBytes(dir.Join(ImageContainerRecord.FileName), ImageContainerRecordJson.Serialize(Full()));
        Assert.Equal("web+1", ImageContainerRecord.Read(dir.Path)?.Id);
    }
}
