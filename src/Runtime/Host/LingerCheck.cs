namespace Rlrun.Runtime.Host;

/// <summary>Whether logind keeps the user's manager running without a session: the file
/// /var/lib/systemd/linger/USER (what `loginctl enable-linger` creates).</summary>
public sealed record LingerFacts(CheckUser User, bool Enabled, bool SystemdIsPid1 = true)
{
    public const string Directory = "/var/lib/systemd/linger";

    public static LingerFacts Gather(CheckUser user) =>
        new(user, user.Name is { } n && File.Exists(Path.Join(Directory, n)), Cgroups.ScopeReachFacts.Pid1IsSystemd());
}

/// <summary>Lingering starts systemd --user at boot and keeps it (and the containers in its
/// scopes, and user units running `rlrun run`) after the last logout.</summary>
public static class LingerCheck
{
    public const string Name = "linger";

    public static CheckResult Evaluate(LingerFacts f)
    {
        if (f.User.IsRoot) return CheckResult.Ok(Name, "not needed as root (the system manager runs always)");
        // Without systemd as PID 1 there is no logind: loginctl cannot work, cron @reboot can.
        if (!f.SystemdIsPid1)
            return CheckResult.Warn(Name, "systemd is not PID 1 here: no logind keeps a user manager (or the containers it supervises) running without a login",
                "crontab -l 2>/dev/null | { cat; echo '@reboot rlrun daemon'; } | crontab -   # the per-user daemon at boot, without systemd");
        if (f.User.Name is null)
            return CheckResult.Warn(Name, $"uid {f.User.Uid} has no name in /etc/passwd: logind cannot linger for it", "useradd a user for the uid, then: loginctl enable-linger USER");
        string path = Path.Join(LingerFacts.Directory, f.User.Name);
        if (f.Enabled) return CheckResult.Ok(Name, $"enabled for {f.User.Name} ({path}): the user manager runs without a login");
        return CheckResult.Warn(Name, $"not enabled for {f.User.Name} (no {path}): the user manager and its containers stop at the last logout",
            $"loginctl enable-linger {f.User.Name}");
    }
}
