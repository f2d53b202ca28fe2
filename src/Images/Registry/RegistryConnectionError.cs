using System.Security.Authentication;

namespace Rlrun.Images.Registry;

/// <summary>The one line for a registry that could not be reached. .NET's own text for a failed TLS
/// handshake ("The SSL connection could not be established, see inner exception") names neither the
/// cause nor the way out, and the usual cause is a registry that serves plain HTTP on a name that is
/// not loopback: the line says why and what to write.</summary>
public static class RegistryConnectionError
{
    public static HttpRequestException Of(string registry, HttpRequestException e) => new(Describe(registry, e), e);

    public static string Describe(string registry, Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is not AuthenticationException tls) continue;
            string cause = Innermost(tls).Message.TrimEnd('.');
            return $"registry {registry}: TLS handshake failed ({cause}): if the registry serves plain HTTP or a certificate "
                + $"you do not trust, mark it insecure in registries.conf ([[registry]] location = \"{registry}\" insecure = true) or pass --tls-verify=false";
        }
        string message = e.Message.TrimEnd('.');
        return $"registry {registry}: {message}";
    }

    static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}
