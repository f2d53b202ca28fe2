using System.Text;
using Rlrun.Images.Oci;
using Xunit;

namespace Rlrun.UnitTests.Images;

public class ManifestReaderTests
{
    const string Hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    static string ManifestJson(string layerType = MediaTypes.OciLayerGzip, string digest = "sha256:" + Hex) => $$"""
        {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}",
         "config":{"mediaType":"{{MediaTypes.OciConfig}}","digest":"sha256:{{Hex}}","size":1},
         "layers":[{"mediaType":"{{layerType}}","digest":"{{digest}}","size":1}]}
        """;

    [Fact]
    public void Reads_an_oci_manifest() =>
        Assert.Single(ManifestReader.Manifest(Encoding.UTF8.GetBytes(ManifestJson()), "m").Layers!);

    [Fact]
    public void Zstd_layers_are_read() =>
        Assert.Equal(LayerCompression.Zstd, MediaTypes.LayerCompressionOf(ManifestReader.Manifest(Encoding.UTF8.GetBytes(ManifestJson(MediaTypes.OciLayerZstd)), "m").Layers![0].MediaType!));

    [Fact]
    public void Unknown_layer_media_type_is_named()
    {
        var e = Assert.Throws<ImageFormatException>(() => ManifestReader.Manifest(Encoding.UTF8.GetBytes(ManifestJson("application/x-foo")), "m"));
        Assert.Contains("application/x-foo", e.Message);
    }

    [Fact]
    public void Bad_digest_names_the_field()
    {
        var e = Assert.Throws<ImageFormatException>(() => ManifestReader.Manifest(Encoding.UTF8.GetBytes(ManifestJson(digest: "sha512:abc")), "m"));
        Assert.Contains("layers[0].digest", e.Message);
    }

    [Fact]
    public void Index_without_linux_amd64_says_what_it_has()
    {
        var index = ManifestReader.Index(Encoding.UTF8.GetBytes($$$"""
            {"schemaVersion":2,"manifests":[{"mediaType":"{{{MediaTypes.OciManifest}}}","digest":"sha256:{{{Hex}}}","size":1,"platform":{"os":"linux","architecture":"arm64"}}]}
            """), "i");
        var e = Assert.Throws<ImageFormatException>(() => ManifestReader.PickPlatform(index, "i"));
        Assert.Contains("no linux/amd64 entry", e.Message);
        Assert.Contains("linux/arm64", e.Message);
    }

    [Fact]
    public void Config_with_too_few_diff_ids_is_refused()
    {
        var e = Assert.Throws<ImageFormatException>(() => ManifestReader.Config(
            Encoding.UTF8.GetBytes("""{"os":"linux","architecture":"amd64","rootfs":{"type":"layers","diff_ids":[]}}"""), "c", 1));
        Assert.Contains("diff_ids", e.Message);
    }

    [Theory]
    [InlineData("busybox", "busybox:latest")]
    [InlineData("localhost/x/y:1.0", "localhost/x/y:1.0")]
    [InlineData("localhost:5000/app:v2", "localhost:5000/app:v2")]
    public void References_get_latest_when_untagged(string text, string expected) =>
        Assert.Equal(expected, ImageReference.Parse(text).ToString());

    [Theory]
    [InlineData("UPPER")]
    [InlineData("a@sha256:00")]
    [InlineData("x:bad tag")]
    public void Bad_references_are_refused(string text) => Assert.Throws<ArgumentException>(() => ImageReference.Parse(text));
}
