namespace Rlrun.Actors;

public enum RestartMode
{
    /// <summary>Never restarted.</summary>
    No,
    /// <summary>Restarted when it exits with a non-zero code (or an unknown one), up to MaxRetries times.</summary>
    OnFailure,
    /// <summary>Restarted whatever the exit code, until a manual Stop.</summary>
    Always,
    /// <summary>The same as Always in rlrun (see <see cref="RestartPolicy"/>): accepted for docker's and podman's scripts.</summary>
    UnlessStopped,
}

/// <summary>docker's and podman's restart policies: no, on-failure[:MAX], always, unless-stopped.
/// A manual Stop is never followed by a restart, whatever the policy, and it holds across a restart
/// of the daemon too. docker's "always" brings a stopped container back when its daemon restarts,
/// which for docker means a boot; rlrun's daemon restarts after a crash or on any command that needs
/// it, and its records live in $XDG_RUNTIME_DIR, which a boot empties: there "always" bringing a
/// stopped container back would only undo the user's stop. So always and unless-stopped are one.</summary>
public sealed record RestartPolicy(RestartMode Mode, int? MaxRetries = null)
{
    public static readonly RestartPolicy No = new(RestartMode.No);
    public static readonly RestartPolicy Always = new(RestartMode.Always);
    public static readonly RestartPolicy UnlessStopped = new(RestartMode.UnlessStopped);
    public static RestartPolicy OnFailure(int? maxRetries = null) => new(RestartMode.OnFailure, maxRetries);

    /// <summary>Parses "no", "on-failure", "on-failure:MAX", "always" or "unless-stopped".
    /// As in docker, on-failure without MAX (or with 0) retries without limit.</summary>
    /// <exception cref="FormatException">the text names no policy; the message says what is accepted</exception>
    public static RestartPolicy Parse(string text) =>
        TryParse(text, out var policy, out string? error) ? policy : throw new FormatException(error);

    public static bool TryParse(string? text, out RestartPolicy policy, out string? error)
    {
        policy = No;
        error = null;
        string value = (text ?? "").Trim();
        int colon = value.IndexOf(':');
        string name = colon < 0 ? value : value[..colon];
        string? count = colon < 0 ? null : value[(colon + 1)..];
        switch (name)
        {
            case "no" when count is null:
                return true;
            case "always" when count is null:
                policy = Always;
                return true;
            case "unless-stopped" when count is null:
                policy = UnlessStopped;
                return true;
            case "no" or "always" or "unless-stopped":
                error = $"invalid restart policy \"{value}\": only on-failure takes a retry count (on-failure:MAX)";
                return false;
            case "on-failure" when count is null:
                policy = OnFailure();
                return true;
            case "on-failure":
                if (!int.TryParse(count, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int max))
                {
                    error = $"invalid restart policy \"{value}\": the retry count \"{count}\" is not a non-negative integer";
                    return false;
                }
                policy = OnFailure(max == 0 ? null : max);
                return true;
            default:
                error = $"invalid restart policy \"{value}\": expected no, on-failure[:MAX], always or unless-stopped";
                return false;
        }
    }

    public static bool IsFailure(int? exitCode) => exitCode != 0;

    /// <summary>Whether an exit that was observed (not asked for by Stop) is followed by a restart.</summary>
    /// <param name="exitCode">null: unknown (a re-adopted process that is not our child), taken as a failure</param>
    /// <param name="restartCount">restarts already done since the container was created or manually started</param>
    public bool RestartsAfterExit(int? exitCode, int restartCount) => Mode switch
    {
        RestartMode.Always or RestartMode.UnlessStopped => true,
        RestartMode.OnFailure => IsFailure(exitCode) && (MaxRetries is not { } max || restartCount < max),
        _ => false,
    };

    public override string ToString() => Mode switch
    {
        RestartMode.No => "no",
        RestartMode.Always => "always",
        RestartMode.UnlessStopped => "unless-stopped",
        _ => MaxRetries is { } max ? $"on-failure:{max}" : "on-failure",
    };
}
