namespace Rlrun.Runtime.Host;

/// <summary>What keeps the per-user daemon's supervision alive: rlrun.socket installed and enabled
/// in a systemd user unit directory (systemd then restarts a crashed daemon, and starts one at the
/// first connection), and lingering (the user manager, and XDG_RUNTIME_DIR with the daemon's
/// records, outlive the last logout).</summary>
public sealed record SupervisionSurvivalFacts(CheckUser User, string? SocketUnit, bool SocketEnabled, bool Lingering, bool SystemdIsPid1 = true)
{
    public const string SocketUnitName = "rlrun.socket";

    /// <summary>Where systemd --user looks for units (make install puts rlrun.socket in one of them).</summary>
    public static IEnumerable<string> UserUnitDirs()
    {
        string home = Environment.GetEnvironmentVariable("HOME") ?? "/nonexistent";
        string config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } c ? c : Path.Join(home, ".config");
        string data = Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } d ? d : Path.Join(home, ".local/share");
        return new[] { config, "/etc", data, "/usr/local/lib", "/usr/lib", "/usr/local/share", "/usr/share" }
            .Select(dir => Path.Join(dir, "systemd/user"));
    }

    /// <summary>rlrun.socket's path in the first user unit directory that has it; null when none does.</summary>
    public static string? FindSocketUnit() =>
        UserUnitDirs().Select(dir => Path.Join(dir, SocketUnitName)).FirstOrDefault(File.Exists);

    public static SupervisionSurvivalFacts Gather(CheckUser user)
    {
        // `systemctl --user enable` links it into sockets.target.wants of a configuration directory.
        bool enabled = UserUnitDirs().Take(2).Any(dir => File.Exists(Path.Join(dir, "sockets.target.wants", SocketUnitName)));
        return new(user, FindSocketUnit(), enabled, LingerFacts.Gather(user).Enabled, Cgroups.ScopeReachFacts.Pid1IsSystemd());
    }
}

/// <summary>Supervision survives a crash of the daemon only with rlrun.socket (else a supervised
/// container that exits stays down until an rlrun command starts a daemon again), and a logout only
/// with lingering.</summary>
public static class SupervisionSurvivalCheck
{
    public const string Name = "supervision";

    public static CheckResult Evaluate(SupervisionSurvivalFacts f)
    {
        var gaps = new List<string>();
        var fixes = new List<string>();
        if (f.SocketUnit is null)
        {
            gaps.Add($"no {SupervisionSurvivalFacts.SocketUnitName} in a systemd user unit directory: a daemon that crashes comes back only when an rlrun command needs it, and a supervised container that exits meanwhile stays down");
            fixes.Add($"make install PREFIX=~/.local && systemctl --user daemon-reload && systemctl --user enable --now {SupervisionSurvivalFacts.SocketUnitName}");
        }
        else if (!f.SocketEnabled)
        {
            gaps.Add($"{f.SocketUnit} is not enabled: a daemon that crashes comes back only when an rlrun command needs it, and a supervised container that exits meanwhile stays down");
            fixes.Add($"systemctl --user enable --now {SupervisionSurvivalFacts.SocketUnitName}");
        }
        // Without systemd as PID 1 there is no logind to linger; cron can bring a daemon back
        // (any rlrun command on supervised containers starts one when none answers).
        if (!f.User.IsRoot && !f.SystemdIsPid1)
        {
            gaps.Add("systemd is not PID 1: no lingering keeps a user manager (or its socket unit) running, so nothing brings a crashed daemon back by itself");
            fixes.Add("crontab -l 2>/dev/null | { cat; echo '*/5 * * * * rlrun list >/dev/null 2>&1'; } | crontab -   # brings a dead daemon back within 5 minutes");
        }
        else if (!f.User.IsRoot && !f.Lingering)
        {
            gaps.Add($"lingering is off for {f.User.Display}: the daemon's user manager and records ($XDG_RUNTIME_DIR) go at the last logout");
            fixes.Add($"loginctl enable-linger {f.User.Display}");
        }
        if (gaps.Count == 0)
            return CheckResult.Ok(Name, $"{f.SocketUnit} is enabled{(f.User.IsRoot ? "" : " and lingering is on")}: the daemon survives a crash and a logout");
        return CheckResult.Warn(Name, string.Join("; ", gaps), string.Join("\n", fixes));
    }
}
