using System.Reflection;
using System.Text;
using System.Text.Json;
using Rlrun.Images.Oci;
using Rlrun.UnitTests.Spec;
using Xunit;

namespace Rlrun.UnitTests.Images;

/// <summary>An image's config read by hand (ImageConfigReader) reads what OciJsonContext read:
/// every field, the same nulls, the same refusals.</summary>
public class ImageConfigReaderTests
{
    static ImageConfig Full() => new()
    {
        Created = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.FromHours(-5)).AddTicks(1234567),
        Architecture = "amd64", Os = "linux",
        Config = new ImageRunConfig
        {
            User = "1000:1000", Env = ["PATH=/usr/bin", "A=é"], Entrypoint = ["/init"], Cmd = ["sh", "-c", "x"],
            WorkingDir = "/srv", Labels = new() { ["org.opencontainers.image.title"] = "bbx", ["b"] = "" }, StopSignal = "SIGTERM",
        },
        RootFs = new RootFs { Type = "layers", DiffIds = ["sha256:ee", "sha256:ff"] },
    };

    static byte[] StjBytes(ImageConfig c) => JsonSerializer.SerializeToUtf8Bytes(c, OciJsonContext.Default.ImageConfig);

    [Fact]
    public void Reads_what_OciJsonContext_wrote_field_for_field()
    {
        var full = Full();
        Assert.Empty(SpecJsonTests.Differences(full, ImageConfigReader.Read(StjBytes(full)), "config"));
        Assert.Empty(SpecJsonTests.Differences(new ImageConfig(), ImageConfigReader.Read(StjBytes(new ImageConfig())), "config"));
    }

    /// <summary>The test above covers a field only when the full config sets it.</summary>
    [Fact]
    public void The_full_config_sets_every_field()
    {
        var full = Full();
        object[] objects = [full, full.Config!, full.RootFs!];
        foreach (var o in objects)
            foreach (var p in o.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
                Assert.False(p.GetValue(o) is null or System.Collections.ICollection { Count: 0 } or "", $"{o.GetType().Name}.{p.Name} is not set");
    }

    [Theory]
    // What docker and podman write: more fields than rlrun reads.
    [InlineData("""{"architecture":"amd64","config":{"Hostname":"","Env":["PATH=/bin"],"Cmd":["sh"],"Image":"sha256:1","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null},"container":"c","created":"2023-05-19T20:19:27.532045521Z","docker_version":"20.10.23","history":[{"created":"2023-05-19T20:19:27Z","created_by":"/bin/sh"}],"os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:ee"]}}""")]
    [InlineData("""{"config": {"User": "a", "User": "b", "user": "c", "Env": null, "Labels": {"a": null, "a": "2"}}, "config": {"Cmd": ["x"]}}""")]
    [InlineData("""{"created": null, "architecture": null, "os": null, "config": null, "rootfs": null}""")]
    [InlineData("""{"config": {"Env": [null], "Entrypoint": [], "Cmd": null, "WorkingDir": null, "StopSignal": null, "Labels": {}}, "rootfs": {"type": null, "diff_ids": [null]}}""")]
    [InlineData("""{"created": "2024-01-02"}""")]
    [InlineData("""{"created": "soon"}""")]
    [InlineData("""{"created": 1}""")]
    [InlineData("""{"architecture": 5}""")]
    [InlineData("""{"config": []}""")]
    [InlineData("""{"config": {"Cmd": "sh"}}""")]
    [InlineData("""{"config": {"Labels": {"a": 1}}}""")]
    [InlineData("""{"config": {"Labels": []}}""")]
    [InlineData("""{"rootfs": {"diff_ids": {}}}""")]
    [InlineData("""{"os": "linux"} // x""")]
    [InlineData("""{"os": "linux",}""")]
    [InlineData("""{"os": "linux"} {}""")]
    [InlineData("""{"os": """)]
    [InlineData("[]")]
    [InlineData("")]
    [InlineData("null")]
    public void Reads_or_refuses_as_System_Text_Json_does(string json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        ImageConfig? theirs = null, mine = null;
        Exception? theirError = null, myError = null;
        try { theirs = JsonSerializer.Deserialize(bytes, OciJsonContext.Default.ImageConfig); }
        catch (JsonException e) { theirError = e; }
        try { mine = ImageConfigReader.Read(bytes); }
        catch (JsonException e) { myError = e; }
        Assert.True((theirError is null) == (myError is null), $"System.Text.Json: {theirError?.Message ?? "read"}; ImageConfigReader: {myError?.Message ?? "read"}");
        if (theirError is null) Assert.Empty(SpecJsonTests.Differences(theirs, mine, "config"));
    }
}
