using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Rlrun.Images.Oci;

namespace Rlrun.Images.Registry;

/// <summary>The pull half of the OCI distribution API (distribution-spec spec.md): the /v2/ ping,
/// manifests by tag or digest, blobs (with Range to resume). Every request goes through Send, which
/// answers 401 challenges once and retries 429, 5xx and connection errors with backoff.</summary>
public sealed class RegistryClient : IDisposable
{
    static readonly string[] ManifestTypes = [MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.DockerManifest, MediaTypes.DockerManifestList];

    readonly HttpClient _http;
    readonly RegistryAuthenticator _auth;
    readonly RetryPolicy _retry;
    readonly Action<string>? _debug;
    RegistryTransport _transport;
    Uri _base;

    public string Registry { get; }

    public RegistryClient(string registry, string apiHost, RegistryTransport transport, RegistryCredentials? credentials, RetryPolicy retry, Action<string>? debug)
    {
        Registry = registry;
        _transport = transport;
        _retry = retry;
        _debug = debug;
        var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            MaxConnectionsPerServer = 8,
        };
        if (transport == RegistryTransport.HttpsUnverifiedThenHttp)
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        // No overall timeout: a big layer takes what it takes; stalls are caught by the read timeout of the blob stream.
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("rlrun");
        _base = new Uri($"{(transport == RegistryTransport.Http ? "http" : "https")}://{apiHost}/");
        _auth = new RegistryAuthenticator(_http, registry, credentials, debug);
    }

    /// <summary>GET /v2/: checks that a registry answers there and learns how it wants to be authenticated.
    /// An insecure registry that does not speak TLS is taken over HTTP from here on.</summary>
    public async Task PingAsync(CancellationToken ct) => (await PingStatusAsync(ct)).Dispose();

    async Task<HttpResponseMessage> PingStatusAsync(CancellationToken ct)
    {
        try { return await PingOnceAsync(ct); }
        catch (HttpRequestException e) when (_transport == RegistryTransport.HttpsUnverifiedThenHttp)
        {
            _debug?.Invoke($"registry {Registry}: HTTPS failed ({e.Message}): trying HTTP");
            _transport = RegistryTransport.Http;
            _base = new Uri($"http://{_base.Authority}/");
            try { return await PingOnceAsync(ct); }
            catch (HttpRequestException http) { throw RegistryConnectionError.Of(Registry, http); }
        }
        catch (HttpRequestException e) { throw RegistryConnectionError.Of(Registry, e); }
    }

    async Task<HttpResponseMessage> PingOnceAsync(CancellationToken ct)
    {
        var r = await SendRawAsync(() => new HttpRequestMessage(HttpMethod.Get, new Uri(_base, "v2/")), HttpCompletionOption.ResponseContentRead, ct);
        _auth.Learn(r);
        return r;
    }

    /// <summary>Checks the credentials against the registry (for login): a 401 after sending them is a
    /// refusal; /v2/ answering neither 200 nor 401 is no registry API, and nothing is checked (as podman's login).</summary>
    public async Task CheckCredentialsAsync(CancellationToken ct)
    {
        using (var ping = await PingStatusAsync(ct))
        {
            if (ping.StatusCode != HttpStatusCode.Unauthorized)
            {
                if (ping.IsSuccessStatusCode) return;
                throw await ErrorAsync(ping, "GET /v2/ (no registry API there)", ct);
            }
        }
        using var r = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, new Uri(_base, "v2/")), "", HttpCompletionOption.ResponseContentRead, ct);
        if (!r.IsSuccessStatusCode) throw await ErrorAsync(r, "GET /v2/", ct);
    }

    public sealed record ManifestResponse(byte[] Bytes, string MediaType, Digest? ServedDigest);

    public async Task<ManifestResponse> GetManifestAsync(string repository, string reference, CancellationToken ct)
    {
        string path = $"v2/{repository}/manifests/{reference}";
        using var r = await SendAsync(() =>
        {
            var req = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, path));
            foreach (var t in ManifestTypes) req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(t));
            return req;
        }, Scope(repository), HttpCompletionOption.ResponseContentRead, ct);
        if (!r.IsSuccessStatusCode) throw await ErrorAsync(r, $"manifest {repository}{(reference.Contains(':') ? '@' : ':')}{reference}", ct);
        var bytes = await r.Content.ReadAsByteArrayAsync(ct);
        string type = r.Content.Headers.ContentType?.MediaType ?? "";
        Digest? served = r.Headers.TryGetValues("Docker-Content-Digest", out var v) && Digest.TryParse(v.FirstOrDefault(), out var d) ? d : null;
        return new ManifestResponse(bytes, type, served);
    }

    /// <summary>The blob's bytes from OFFSET on. Partial is false when the registry ignored the Range
    /// and sends the whole blob (the caller then skips what it has).</summary>
    public async Task<(Stream Body, bool Partial, HttpResponseMessage Response)> OpenBlobAsync(string repository, Digest digest, long offset, CancellationToken ct)
    {
        string path = $"v2/{repository}/blobs/{digest}";
        var r = await SendAsync(() =>
        {
            var req = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, path));
            if (offset > 0) req.Headers.Range = new RangeHeaderValue(offset, null);
            return req;
        }, Scope(repository), HttpCompletionOption.ResponseHeadersRead, ct);
        if (!r.IsSuccessStatusCode)
        {
            using (r) throw await ErrorAsync(r, $"blob {digest} of {repository}", ct);
        }
        return (await r.Content.ReadAsStreamAsync(ct), r.StatusCode == HttpStatusCode.PartialContent, r);
    }

    static string Scope(string repository) => $"repository:{repository}:pull";

    /// <summary>A request with authentication: on a 401 the challenge is answered once and the request sent again.</summary>
    async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> make, string scope, HttpCompletionOption completion, CancellationToken ct)
    {
        bool answered = false;
        while (true)
        {
            var response = await SendRawAsync(() =>
            {
                var req = make();
                if (_auth.HeaderFor(scope) is { } h) req.Headers.Authorization = h;
                return req;
            }, completion, ct);
            if (response.StatusCode != HttpStatusCode.Unauthorized) return response;
            using (response)
            {
                if (answered) throw _auth.Refused();
                answered = true;
                await _auth.ChallengeAsync(response, scope, ct);
                if (_auth.HeaderFor(scope) is null) throw _auth.Refused();
            }
        }
    }

    /// <summary>One request, sent again on 429, 5xx and connection errors, with backoff.</summary>
    async Task<HttpResponseMessage> SendRawAsync(Func<HttpRequestMessage> make, HttpCompletionOption completion, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            using var request = make();
            HttpResponseMessage response;
            try { response = await _http.SendAsync(request, completion, ct); }
            // A TLS handshake that failed (a plain HTTP registry, an untrusted certificate) fails the same way again.
            catch (HttpRequestException e) when (attempt + 1 < _retry.Attempts && _transport != RegistryTransport.HttpsUnverifiedThenHttp
                && e.InnerException is not System.Security.Authentication.AuthenticationException)
            {
                var wait = _retry.Delay(attempt);
                _debug?.Invoke($"{request.Method} {request.RequestUri}: {e.Message}: again in {wait.TotalMilliseconds:0} ms");
                await Task.Delay(wait, ct);
                continue;
            }
            if (RetryPolicy.ShouldRetry(response.StatusCode) && attempt + 1 < _retry.Attempts)
            {
                var wait = _retry.Delay(attempt, response);
                _debug?.Invoke($"{request.Method} {request.RequestUri}: {(int)response.StatusCode} {response.ReasonPhrase}: again in {wait.TotalMilliseconds:0} ms");
                response.Dispose();
                await Task.Delay(wait, ct);
                continue;
            }
            return response;
        }
    }

    /// <summary>A one-line error from a failed answer, with the registry's error codes (distribution-spec "errors").</summary>
    async Task<RegistryException> ErrorAsync(HttpResponseMessage r, string what, CancellationToken ct)
    {
        string detail = "";
        try
        {
            var body = await r.Content.ReadAsByteArrayAsync(ct);
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
                detail = string.Join("; ", errors.EnumerateArray().Select(e =>
                    $"{(e.TryGetProperty("code", out var c) ? c.GetString() : "?")}{(e.TryGetProperty("message", out var m) ? ": " + m.GetString() : "")}"));
        }
        catch (Exception) { }
        string message = $"registry {Registry}: {what}: {(int)r.StatusCode} {r.ReasonPhrase}{(detail.Length > 0 ? $" ({detail})" : "")}";
        return r.StatusCode == HttpStatusCode.NotFound ? new RegistryNotFoundException(message)
            : r.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? new RegistryAuthException(message)
            : new RegistryException(message);
    }

    public void Dispose() => _http.Dispose();
}
