using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Rlrun.Images.Registry;

/// <summary>Answers a registry's 401: Basic with the user's credentials, or the distribution spec's
/// token flow (Bearer: ask the realm for a token for service and scope, with the credentials as
/// Basic when there are any, anonymously otherwise). Tokens are kept per scope for the pull.</summary>
public sealed class RegistryAuthenticator(HttpClient http, string registry, RegistryCredentials? credentials, Action<string>? debug)
{
    AuthChallenge? _challenge;
    readonly Dictionary<string, string> _tokens = [];
    readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>What to send with a request for SCOPE, from what the registry asked before.</summary>
    public AuthenticationHeaderValue? HeaderFor(string scope)
    {
        if (_challenge is null) return null;
        if (_challenge.Scheme.Equals("basic", StringComparison.OrdinalIgnoreCase))
            return credentials is null ? null : Basic(credentials);
        lock (_tokens) return _tokens.TryGetValue(scope, out var t) ? new AuthenticationHeaderValue("Bearer", t) : null;
    }

    /// <summary>Takes the challenge of a 401 (or of the /v2/ ping) and gets what it asks for.</summary>
    public async Task ChallengeAsync(HttpResponseMessage response, string scope, CancellationToken ct)
    {
        var header = response.Headers.WwwAuthenticate.FirstOrDefault();
        var challenge = AuthChallenge.Parse(header?.ToString());
        if (challenge is null)
            throw new RegistryAuthException($"registry {registry} answered 401 Unauthorized without saying how to authenticate (no WWW-Authenticate)");
        _challenge = challenge;
        if (challenge.Scheme.Equals("basic", StringComparison.OrdinalIgnoreCase))
        {
            if (credentials is null) throw NoCredentials();
            return;
        }
        if (!challenge.Scheme.Equals("bearer", StringComparison.OrdinalIgnoreCase))
            throw new RegistryAuthException($"registry {registry} asks for {challenge.Scheme} authentication (rlrun speaks Basic and Bearer)");
        // An empty scope (login's check) asks for a token that only proves the credentials.
        await TokenAsync(scope, ct);
    }

    public void Learn(HttpResponseMessage ping)
    {
        var challenge = AuthChallenge.Parse(ping.Headers.WwwAuthenticate.FirstOrDefault()?.ToString());
        if (challenge is not null) _challenge = challenge;
    }

    public bool HasChallenge => _challenge is not null;

    /// <summary>The credentials were sent and refused.</summary>
    public RegistryAuthException Refused() => credentials is null ? NoCredentials()
        : new RegistryAuthException($"registry {registry} refused the credentials of \"{credentials.User}\" (from {credentials.Source})");

    RegistryAuthException NoCredentials() =>
        new($"registry {registry} requires authentication and rlrun has no credentials for it (rlrun login {registry})");

    async Task TokenAsync(string scope, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            lock (_tokens) if (_tokens.ContainsKey(scope)) return;
            string realm = _challenge!["realm"] ?? throw new RegistryAuthException($"registry {registry}: Bearer challenge without a realm");
            var query = new List<string>();
            if (_challenge["service"] is { } service) query.Add("service=" + Uri.EscapeDataString(service));
            if (scope.Length > 0) query.Add("scope=" + Uri.EscapeDataString(scope));
            var uri = new Uri(realm + (realm.Contains('?') ? "&" : "?") + string.Join('&', query));
            debug?.Invoke($"token for {scope} from {uri.GetLeftPart(UriPartial.Path)}{(credentials is null ? " (anonymous)" : $" as {credentials.User}")}");
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (credentials is not null) request.Headers.Authorization = Basic(credentials);
            using var response = await http.SendAsync(request, ct);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) throw Refused();
            if (!response.IsSuccessStatusCode)
                throw new RegistryException($"registry {registry}: the token service {uri.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            using var doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(ct));
            string? token = doc.RootElement.TryGetProperty("token", out var t) ? t.GetString()
                : doc.RootElement.TryGetProperty("access_token", out var a) ? a.GetString() : null;
            if (string.IsNullOrEmpty(token)) throw new RegistryException($"registry {registry}: the token service's answer has no token");
            lock (_tokens) _tokens[scope] = token;
        }
        catch (JsonException e) { throw new RegistryException($"registry {registry}: the token service's answer is not JSON: {e.Message}"); }
        finally { _lock.Release(); }
    }

    static AuthenticationHeaderValue Basic(RegistryCredentials c) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{c.User}:{c.Password}")));
}
