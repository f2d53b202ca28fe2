using System.Text;
using System.Text.Json.Nodes;

namespace Rlrun.IntegrationTests.Harness;

/// <summary>The pull tests' registry and images, made once per test class: a loopback docker-registry
/// holding the case image (gzip, zstd and plain layers), a Docker schema 2 copy, a two-platform index,
/// an arm64-only index, a layer with an unknown media type, and a big layer for kill -9.</summary>
public sealed class PullImages : IDisposable
{
    public LoopbackRegistry Registry { get; } = new();
    readonly string _dir = Directory.CreateTempSubdirectory("pull-images-").FullName;
    /// <summary>The case image's OCI layout (readable by the test user): an import of it gives the pulled image.</summary>
    public string CasesLayout => Path.Join(_dir, "cases");
    public OciLayoutWriter.Written? Cases { get; private set; }
    public OciLayoutWriter.Written? Big { get; private set; }
    public string? MultiAmd64Config { get; private set; }
    public string? MultiArm64Config { get; private set; }

    static readonly string[] LayerTypes =
        ["application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.layer.v1.tar+zstd", "application/vnd.oci.image.layer.v1.tar"];

    public PullImages()
    {
        if (LoopbackRegistry.Binary is null || LoopbackRegistry.Skopeo is null || !Host.Unprivileged) return;
        var tars = ImageImportTests.CaseLayers();
        Cases = OciLayoutWriter.Write(CasesLayout, tars, gzip: false, layerBlob: (i, tar) => i switch
        {
            0 => OciLayoutWriter.Gzip(tar),
            1 => Zstd(tar),
            _ => tar,
        }, editManifest: m =>
        {
            for (int i = 0; i < 3; i++) m["layers"]![i]!["mediaType"] = LayerTypes[i];
        });
        Registry.PushExact(CasesLayout, "pull/cases", "v1");
        Host.ChownToUser(_dir);

        string v2 = Path.Join(_dir, "v2s2");
        OciLayoutWriter.Write(v2, [new LayerBuilder().File("docker", "schema 2").Build()]);
        Registry.Push(v2, "pull/v2s2:v1", format: "v2s2");

        (MultiAmd64Config, MultiArm64Config) = Index(Path.Join(_dir, "multi"), ["amd64", "arm64"]);
        Registry.Push(Path.Join(_dir, "multi"), "pull/multi:v1");
        Index(Path.Join(_dir, "armonly"), ["arm64"]);
        Registry.Push(Path.Join(_dir, "armonly"), "pull/armonly:v1");

        string bad = Path.Join(_dir, "badtype");
        OciLayoutWriter.Write(bad, [new LayerBuilder().File("f", "x").Build()], editManifest: m => m["layers"]![0]!["mediaType"] = "application/x-rlrun-test");
        Registry.PushExact(bad, "pull/badtype", "v1");

        var big = new byte[24 << 20];
        new Random(11).NextBytes(big);
        string bigDir = Path.Join(_dir, "big");
        Big = OciLayoutWriter.Write(bigDir, [new LayerBuilder().Dir("data", uid: 1000, gid: 1000).File("data/blob", big, uid: 1000, gid: 1000).Build()], gzip: false);
        Registry.PushExact(bigDir, "pull/big", "v1");
    }

    public static byte[] Zstd(byte[] data)
    {
        using var c = new ZstdSharp.Compressor(3);
        return c.Wrap(data).ToArray();
    }

    /// <summary>An OCI layout whose one entry is an index with an image per architecture; the config digests.</summary>
    static (string?, string?) Index(string dir, string[] architectures)
    {
        var entries = new JsonArray();
        var configs = new Dictionary<string, string>();
        foreach (var arch in architectures)
        {
            var w = OciLayoutWriter.Write(dir, [new LayerBuilder().File("arch", arch).Build()], architecture: arch);
            configs[arch] = w.ConfigDigest;
            long size = new FileInfo(Path.Join(dir, "blobs", "sha256", w.ManifestDigest[7..])).Length;
            entries.Add(new JsonObject
            {
                ["mediaType"] = "application/vnd.oci.image.manifest.v1+json", ["digest"] = w.ManifestDigest, ["size"] = size,
                ["platform"] = new JsonObject { ["os"] = "linux", ["architecture"] = arch },
            });
        }
        var index = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = "application/vnd.oci.image.index.v1+json", ["manifests"] = entries };
        byte[] bytes = Encoding.UTF8.GetBytes(index.ToJsonString());
        string digest = OciLayoutWriter.Blob(dir, bytes);
        var top = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["manifests"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = "application/vnd.oci.image.index.v1+json", ["digest"] = digest, ["size"] = bytes.Length,
                ["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = "latest" },
            }),
        };
        File.WriteAllText(Path.Join(dir, "index.json"), top.ToJsonString());
        return (configs.GetValueOrDefault("amd64"), configs.GetValueOrDefault("arm64"));
    }

    public void Dispose()
    {
        Registry.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (Exception) { }
    }
}
