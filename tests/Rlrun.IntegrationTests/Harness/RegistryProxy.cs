using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Rlrun.IntegrationTests.Harness;

/// <summary>A registry in front of the loopback registry that misbehaves on purpose: it forwards
/// every GET and, as told, corrupts or truncates a blob, answers 503 first, stalls, asks for Basic
/// or Bearer credentials, or answers 404. It counts the requests per path. One connection per request
/// (Connection: close), which is all a test needs.</summary>
public sealed class RegistryProxy : IDisposable
{
    readonly TcpListener _listener;
    readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = true, AutomaticDecompression = DecompressionMethods.None });
    readonly string _target;
    readonly CancellationTokenSource _stop = new();

    public int Port { get; }
    public string Host => $"127.0.0.1:{Port}";
    public ConcurrentDictionary<string, int> Requests { get; } = new();
    /// <summary>The Range header of each request that had one, as "PATH RANGE".</summary>
    public ConcurrentQueue<string> Ranges { get; } = new();

    /// <summary>A blob (by digest) whose bytes are flipped in the middle.</summary>
    public string? CorruptBlob { get; set; }
    /// <summary>A blob sent with its full Content-Length but cut in the middle; TruncateTimes: how many times (then whole).</summary>
    public string? TruncateBlob { get; set; }
    public int TruncateTimes { get; set; } = int.MaxValue;
    /// <summary>How many manifest requests get 503 before one is forwarded.</summary>
    public int Fail503 { get; set; }
    /// <summary>Bytes per second for blobs (0: no limit).</summary>
    public int BlobRate { get; set; }
    /// <summary>Every /v2/ request wants these credentials, as Basic or through a Bearer token from /token.</summary>
    public (string User, string Password)? Credentials { get; set; }
    public bool Bearer { get; set; }
    /// <summary>Every /v2/NAME request answers 404 NAME_UNKNOWN.</summary>
    public bool NotFound { get; set; }

    const string Token = "rlrun-test-token";

    public RegistryProxy(string target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = Task.Run(AcceptLoop);
    }

    async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient c;
            try { c = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(async () =>
            {
                using (c)
                {
                    try { await Serve(c.GetStream()); } catch (Exception) { }
                }
            });
        }
    }

    async Task Serve(NetworkStream net)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n"))
        {
            if (await net.ReadAsync(one) == 0) return;
            head.Append((char)one[0]);
        }
        var lines = head.ToString().Split("\r\n");
        var parts = lines[0].Split(' ');
        string method = parts[0], target = parts[1];
        var headers = lines.Skip(1).Where(l => l.Contains(':')).ToDictionary(l => l[..l.IndexOf(':')].Trim().ToLowerInvariant(), l => l[(l.IndexOf(':') + 1)..].Trim());
        string path = target.Split('?')[0];
        Requests.AddOrUpdate($"{method} {path}", 1, (_, n) => n + 1);
        if (headers.TryGetValue("range", out var range)) Ranges.Enqueue($"{path} {range}");

        if (path == "/token")
        {
            bool ok = headers.TryGetValue("authorization", out var a) && a == BasicValue();
            await Reply(net, ok ? 200 : 401, ok ? Encoding.UTF8.GetBytes($"{{\"token\":\"{Token}\"}}") : Encoding.UTF8.GetBytes("{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}"), "application/json");
            return;
        }
        if (Credentials is not null)
        {
            string wanted = Bearer ? $"Bearer {Token}" : BasicValue();
            if (!headers.TryGetValue("authorization", out var a) || a != wanted)
            {
                string challenge = Bearer ? $"Bearer realm=\"http://{Host}/token\",service=\"test\"" : "Basic realm=\"test\"";
                await Reply(net, 401, Encoding.UTF8.GetBytes("{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}"), "application/json", [("WWW-Authenticate", challenge)]);
                return;
            }
        }
        if (NotFound && path != "/v2/")
        {
            await Reply(net, 404, Encoding.UTF8.GetBytes("{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"repository name not known to registry\"}]}"), "application/json");
            return;
        }
        if (path.Contains("/manifests/") && Fail503 > 0)
        {
            Fail503--;
            await Reply(net, 503, Encoding.UTF8.GetBytes("busy"), "text/plain");
            return;
        }

        using var request = new HttpRequestMessage(new HttpMethod(method), $"http://{_target}{target}");
        foreach (var h in new[] { "accept", "range" })
            if (headers.TryGetValue(h, out var v)) request.Headers.TryAddWithoutValidation(h, v);
        using var response = await _upstream.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        var extra = new List<(string, string)>();
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var dcd)) extra.Add(("Docker-Content-Digest", dcd.First()));
        if (response.Content.Headers.ContentRange is { } cr) extra.Add(("Content-Range", cr.ToString()));
        string digest = path.Contains("/blobs/") ? path[(path.LastIndexOf('/') + 1)..] : "";
        if (digest.Length > 0 && digest == CorruptBlob && body.Length > 0) body[body.Length / 2] ^= 0xff;
        int cut = -1;
        if (digest.Length > 0 && digest == TruncateBlob && TruncateTimes > 0 && body.Length > 1)
        {
            TruncateTimes--;
            cut = body.Length / 2;
        }
        await Reply(net, (int)response.StatusCode, body, response.Content.Headers.ContentType?.ToString() ?? "application/octet-stream", extra, cut,
            digest.Length > 0 ? BlobRate : 0);
    }

    string BasicValue() => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Credentials!.Value.User}:{Credentials.Value.Password}"));

    static async Task Reply(NetworkStream net, int status, byte[] body, string contentType, IEnumerable<(string, string)>? headers = null, int cut = -1, int rate = 0)
    {
        var sb = new StringBuilder($"HTTP/1.1 {status} {(HttpStatusCode)status}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n");
        foreach (var (k, v) in headers ?? []) sb.Append($"{k}: {v}\r\n");
        sb.Append("\r\n");
        await net.WriteAsync(Encoding.ASCII.GetBytes(sb.ToString()));
        int end = cut >= 0 ? cut : body.Length;
        int chunk = rate > 0 ? Math.Max(1, rate / 10) : end;
        for (int off = 0; off < end; off += chunk)
        {
            await net.WriteAsync(body.AsMemory(off, Math.Min(chunk, end - off)));
            if (rate > 0) await Task.Delay(100);
        }
        await net.FlushAsync();
        // A cut: the connection closes with the body short of its Content-Length.
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _upstream.Dispose();
    }
}
