using System.Net;
using System.Net.Sockets;

namespace Rlrun.IntegrationTests.Harness;

/// <summary>Debian's docker-registry serving on a free loopback port, with its storage in a temp
/// directory; images are pushed to it from OCI layouts with skopeo. Started once per test class.</summary>
public sealed class LoopbackRegistry : IDisposable
{
    public static readonly string? Binary = new[] { "/usr/bin/docker-registry" }.FirstOrDefault(File.Exists);
    public static readonly string? Skopeo = new[] { "/usr/bin/skopeo" }.FirstOrDefault(File.Exists);

    readonly string _dir;
    readonly RunningProc? _proc;
    public int Port { get; }
    public string Host => $"127.0.0.1:{Port}";

    public LoopbackRegistry()
    {
        _dir = Directory.CreateTempSubdirectory("pull-registry-").FullName;
        if (Binary is null || Skopeo is null) return;
        Port = FreePort();
        string config = Path.Join(_dir, "config.yml");
        File.WriteAllText(config, $"""
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: {Path.Join(_dir, "data")}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{Port}
            """);
        _proc = Proc.Start(new ProcSpec(Binary, ["serve", config]));
        using var http = new HttpClient();
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                if (http.GetAsync($"http://{Host}/v2/").GetAwaiter().GetResult().StatusCode == HttpStatusCode.OK) break;
            }
            catch (HttpRequestException) { }
            if (_proc.HasExited || DateTime.UtcNow > until)
                throw new InvalidOperationException($"docker-registry did not answer on {Host}: {_proc.Stderr}");
            Thread.Sleep(50);
        }
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Pushes the layout's image to NAME:TAG on this registry (all platforms of an index).</summary>
    public void Push(string layout, string nameTag, string layoutRef = "latest", string? format = null)
    {
        var args = new List<string> { "--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false", "--all" };
        if (format is not null) args.AddRange(["--format", format]);
        args.AddRange([$"oci:{layout}:{layoutRef}", $"docker://{Host}/{nameTag}"]);
        Proc.Run(Skopeo!, args, timeout: TimeSpan.FromSeconds(60)).EnsureSuccess($"skopeo push {nameTag}");
    }

    /// <summary>Pushes the layout's one image byte for byte through the distribution API (skopeo
    /// compresses uncompressed layers on the way; this keeps plain and zstd layers as they are).</summary>
    public void PushExact(string layout, string name, string tag)
    {
        using var http = new HttpClient();
        var index = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Join(layout, "index.json")))!;
        string manifestDigest = index["manifests"]![0]!["digest"]!.GetValue<string>();
        byte[] manifest = File.ReadAllBytes(Path.Join(layout, "blobs", "sha256", manifestDigest[7..]));
        var m = System.Text.Json.Nodes.JsonNode.Parse(manifest)!;
        var blobs = m["layers"]!.AsArray().Select(l => l!["digest"]!.GetValue<string>()).Append(m["config"]!["digest"]!.GetValue<string>());
        foreach (var digest in blobs)
        {
            var start = http.PostAsync($"http://{Host}/v2/{name}/blobs/uploads/", null).GetAwaiter().GetResult();
            if (start.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"push {name}: upload start: {start.StatusCode}");
            var location = start.Headers.Location!;
            var uri = new Uri(location.IsAbsoluteUri ? location : new Uri($"http://{Host}{location}"), "");
            string put = uri + (uri.Query.Length > 0 ? "&" : "?") + "digest=" + Uri.EscapeDataString(digest);
            var body = new ByteArrayContent(File.ReadAllBytes(Path.Join(layout, "blobs", "sha256", digest[7..])));
            body.Headers.ContentType = new("application/octet-stream");
            var done = http.PutAsync(put, body).GetAwaiter().GetResult();
            if (done.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"push {name}: blob {digest}: {done.StatusCode}");
        }
        var content = new ByteArrayContent(manifest);
        content.Headers.ContentType = new("application/vnd.oci.image.manifest.v1+json");
        var r = http.PutAsync($"http://{Host}/v2/{name}/manifests/{tag}", content).GetAwaiter().GetResult();
        if (r.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"push {name}:{tag}: manifest: {r.StatusCode} {r.Content.ReadAsStringAsync().Result}");
    }

    public void Dispose()
    {
        if (_proc is not null) { _proc.Kill(); _proc.Dispose(); }
        try { Directory.Delete(_dir, recursive: true); } catch (Exception) { }
    }
}
