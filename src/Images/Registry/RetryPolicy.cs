using System.Net;

namespace Rlrun.Images.Registry;

/// <summary>When to try a request again: on 429 and 5xx answers and on connection errors, up to
/// Attempts times, waiting Base, 2*Base, 4*Base... (or the Retry-After the registry asks, up to Max).</summary>
public sealed record RetryPolicy(int Attempts, TimeSpan Base, TimeSpan Max)
{
    public static readonly RetryPolicy Default = new(5, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));

    public static bool ShouldRetry(HttpStatusCode status) => (int)status == 429 || (int)status >= 500;

    public TimeSpan Delay(int attempt, HttpResponseMessage? response = null)
    {
        if (response?.Headers.RetryAfter is { } ra)
        {
            var wanted = ra.Delta ?? (ra.Date is { } d ? d - DateTimeOffset.UtcNow : TimeSpan.Zero);
            if (wanted > TimeSpan.Zero) return wanted < Max ? wanted : Max;
        }
        var backoff = Base * Math.Pow(2, attempt);
        return backoff < Max ? backoff : Max;
    }
}
