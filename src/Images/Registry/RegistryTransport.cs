using System.Net;

namespace Rlrun.Images.Registry;

/// <summary>How to reach a registry: HTTPS with verified certificates by default; plain HTTP for
/// loopback addresses (127.0.0.0/8, ::1, localhost), as podman's users expect of a local
/// registry; for a registry marked insecure (registries.conf, --tls-verify=false) HTTPS without
/// verification first, then HTTP when TLS fails.</summary>
public enum RegistryTransport { Https, HttpsUnverifiedThenHttp, Http }

public static class RegistryTransports
{
    /// <param name="repository">the repository pulled, when there is one: registries.conf may mark a namespace insecure</param>
    public static RegistryTransport For(string registry, bool? tlsVerify, RegistriesConf conf, string? repository = null)
    {
        if (IsLoopback(registry)) return RegistryTransport.Http;
        if (tlsVerify == false || conf.IsInsecure(repository is { Length: > 0 } ? $"{registry}/{repository}" : registry)) return RegistryTransport.HttpsUnverifiedThenHttp;
        return RegistryTransport.Https;
    }

    /// <summary>"127.0.0.1:5000", "[::1]:5000", "localhost" and the like.</summary>
    public static bool IsLoopback(string registry)
    {
        string host = registry;
        if (host.StartsWith('['))
        {
            int close = host.IndexOf(']');
            host = close > 0 ? host[1..close] : host;
        }
        else if (host.Count(c => c == ':') == 1) host = host[..host.IndexOf(':')];
        if (host == "localhost") return true;
        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
    }
}
