namespace Rlrun.Runtime.Host;

/// <summary>How a host prerequisite stands: ok; warn (rlrun works, with less: no cgroup limits,
/// a single-ID mapping, no layered root); fail (no container can run until it is fixed).</summary>
public enum CheckStatus { Ok, Warn, Fail }

/// <summary>One line of `rlrun check`: what was checked, how it stands, what was seen, and
/// where it is not ok the exact fix (a command, or a file to write; one alternative a line).</summary>
public sealed record CheckResult(string Name, CheckStatus Status, string Detail, string? Fix = null)
{
    public static CheckResult Ok(string name, string detail) => new(name, CheckStatus.Ok, detail);
    public static CheckResult Warn(string name, string detail, string fix) => new(name, CheckStatus.Warn, detail, fix);
    public static CheckResult Fail(string name, string detail, string fix) => new(name, CheckStatus.Fail, detail, fix);

    /// <summary>"ok", "warn" or "fail": the word the table and the JSON use.</summary>
    public string StatusText => Status switch
    {
        CheckStatus.Ok => "ok",
        CheckStatus.Warn => "warn",
        _ => "fail",
    };

    /// <summary>The fix, one alternative (or one step) a line; empty when there is none.</summary>
    public IReadOnlyList<string> FixLines => Fix is null ? [] : Fix.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
