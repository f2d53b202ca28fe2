using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Rlrun.IntegrationTests.Harness;

/// <summary>Builds layer tars entry by entry, with the owners, modes, links, xattrs and whiteouts a test wants.</summary>
public sealed class LayerBuilder
{
    readonly MemoryStream _tar = new();
    readonly TarWriter _writer;
    static readonly DateTimeOffset Mtime = new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public LayerBuilder() => _writer = new TarWriter(_tar, TarEntryFormat.Pax, leaveOpen: true);

    public LayerBuilder Dir(string name, int uid = 0, int gid = 0, int mode = 0x1ed) =>
        Add(new PaxTarEntry(TarEntryType.Directory, name) { Uid = uid, Gid = gid, Mode = (UnixFileMode)mode, ModificationTime = Mtime });

    public LayerBuilder File(string name, string content, int uid = 0, int gid = 0, int mode = 0x1a4, Dictionary<string, string>? xattrs = null) =>
        File(name, Encoding.UTF8.GetBytes(content), uid, gid, mode, xattrs);

    public LayerBuilder File(string name, byte[] content, int uid = 0, int gid = 0, int mode = 0x1a4, Dictionary<string, string>? xattrs = null)
    {
        var pax = xattrs?.ToDictionary(x => "SCHILY.xattr." + x.Key, x => x.Value);
        var e = pax is null ? new PaxTarEntry(TarEntryType.RegularFile, name) : new PaxTarEntry(TarEntryType.RegularFile, name, pax);
        e.Uid = uid; e.Gid = gid; e.Mode = (UnixFileMode)mode; e.ModificationTime = Mtime;
        e.DataStream = new MemoryStream(content);
        return Add(e);
    }

    public LayerBuilder Symlink(string name, string target, int uid = 0) =>
        Add(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target, Uid = uid, Gid = uid, Mode = (UnixFileMode)0x1ff, ModificationTime = Mtime });

    public LayerBuilder HardLink(string name, string target) =>
        Add(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target, ModificationTime = Mtime });

    public LayerBuilder CharDevice(string name, int major, int minor) =>
        Add(new PaxTarEntry(TarEntryType.CharacterDevice, name) { DeviceMajor = major, DeviceMinor = minor, Mode = (UnixFileMode)0x1b6, ModificationTime = Mtime });

    /// <summary>The OCI whiteout of PATH: an empty file .wh.NAME next to it.</summary>
    public LayerBuilder Whiteout(string path)
    {
        int slash = path.LastIndexOf('/');
        return File(slash < 0 ? ".wh." + path : path[..(slash + 1)] + ".wh." + path[(slash + 1)..], "");
    }

    public LayerBuilder Opaque(string dir) => File(dir.TrimEnd('/') + "/.wh..wh..opq", "");

    LayerBuilder Add(TarEntry e)
    {
        _writer.WriteEntry(e);
        return this;
    }

    public byte[] Build()
    {
        _writer.Dispose();
        return _tar.ToArray();
    }
}

/// <summary>Writes an OCI image layout (image-spec image-layout.md) the way skopeo and umoci do:
/// blobs/sha256/, index.json with a ref.name annotation, oci-layout. Tests edit any part to make bad input.</summary>
public static class OciLayoutWriter
{
    public static string Sha256(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

    public static byte[] Gzip(byte[] data)
    {
        using var m = new MemoryStream();
        using (var gz = new GZipStream(m, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
        return m.ToArray();
    }

    public sealed record Written(string ManifestDigest, string ConfigDigest, IReadOnlyList<string> LayerDigests, IReadOnlyList<string> DiffIds);

    /// <param name="editManifest">changes the manifest before it is written (a bad media type ...)</param>
    /// <param name="editConfig">likewise for the config</param>
    /// <param name="layerBlob">turns a layer's compressed blob into what is stored (truncation ...)</param>
    public static Written Write(string dir, IReadOnlyList<byte[]> layerTars, string? refName = "latest", bool gzip = true,
        Action<JsonObject>? editManifest = null, Action<JsonObject>? editConfig = null, Func<int, byte[], byte[]>? layerBlob = null,
        string architecture = "amd64")
    {
        Directory.CreateDirectory(Path.Join(dir, "blobs", "sha256"));
        var diffIds = layerTars.Select(Sha256).ToList();
        var layers = new JsonArray();
        var layerDigests = new List<string>();
        for (int i = 0; i < layerTars.Count; i++)
        {
            byte[] blob = gzip ? Gzip(layerTars[i]) : layerTars[i];
            if (layerBlob is not null) blob = layerBlob(i, blob);
            string d = Blob(dir, blob);
            layerDigests.Add(d);
            layers.Add(new JsonObject
            {
                ["mediaType"] = gzip ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar",
                ["digest"] = d, ["size"] = blob.Length,
            });
        }
        var config = new JsonObject
        {
            ["created"] = "2024-01-02T03:04:05Z", ["architecture"] = architecture, ["os"] = "linux",
            ["config"] = new JsonObject { ["Cmd"] = new JsonArray("/bin/sh"), ["Env"] = new JsonArray("PATH=/bin") },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(diffIds.Select(x => (JsonNode)x!).ToArray()) },
        };
        editConfig?.Invoke(config);
        byte[] configBytes = Encoding.UTF8.GetBytes(config.ToJsonString());
        string configDigest = Blob(dir, configBytes);
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2, ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.oci.image.config.v1+json", ["digest"] = configDigest, ["size"] = configBytes.Length },
            ["layers"] = layers,
        };
        editManifest?.Invoke(manifest);
        byte[] manifestBytes = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        string manifestDigest = Blob(dir, manifestBytes);
        var entry = new JsonObject { ["mediaType"] = "application/vnd.oci.image.manifest.v1+json", ["digest"] = manifestDigest, ["size"] = manifestBytes.Length };
        if (refName is not null) entry["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = refName };
        var index = new JsonObject { ["schemaVersion"] = 2, ["manifests"] = new JsonArray(entry) };
        System.IO.File.WriteAllText(Path.Join(dir, "index.json"), index.ToJsonString());
        System.IO.File.WriteAllText(Path.Join(dir, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        return new Written(manifestDigest, configDigest, layerDigests, diffIds);
    }

    public static string Blob(string dir, byte[] data)
    {
        string d = Sha256(data);
        System.IO.File.WriteAllBytes(Path.Join(dir, "blobs", "sha256", d[7..]), data);
        return d;
    }

    /// <summary>An oci-archive: the layout directory as a tar.</summary>
    public static void Archive(string layoutDir, string archive) =>
        TarFile.CreateFromDirectory(layoutDir, archive, includeBaseDirectory: false);
}
