namespace Rlrun.Runtime.Host;

/// <summary>What the overlay probe saw: where unshare(1) is (null: missing), what the child did
/// (null: it did not run), or why the probe could not be made.</summary>
public sealed record OverlayFacts(bool IsRoot, string? UnsharePath, CommandOutcome? Outcome, string? ProbeError);

/// <summary>Kernel overlayfs mounted inside a user namespace: what layered root filesystems use
/// (else fuse-overlayfs). A bundle's own rootfs needs neither, so a failed mount warns; a user
/// namespace that cannot be made at all fails, as no rootless container can run then.</summary>
public static class OverlayCheck
{
    public const string Name = "overlay";
    const int MaxErrorText = 300;

    public static CheckResult Evaluate(OverlayFacts f)
    {
        if (f.UnsharePath is null)
            return CheckResult.Warn(Name, "skipped: unshare(1) missing", "apt-get install util-linux");
        if (f.ProbeError is not null || f.Outcome is null)
            return CheckResult.Warn(Name, $"skipped: {f.ProbeError ?? "the probe did not run"}", "export TMPDIR=$HOME/tmp   # any directory you can write (the probe makes and removes a directory there)");
        var o = f.Outcome;
        string manual = "unshare --user --map-root-user --mount sh -c 'mkdir -p /tmp/o/l /tmp/o/u /tmp/o/w /tmp/o/m && mount -t overlay overlay -o lowerdir=/tmp/o/l,upperdir=/tmp/o/u,workdir=/tmp/o/w /tmp/o/m'";
        if (o.TimedOut)
            return CheckResult.Warn(Name, $"unshare did not finish within {OverlayProbe.Timeout.TotalSeconds:0}s", $"try it by hand: {manual}");
        string error = ErrorText(o);
        if (!o.Stdout.Contains(OverlayProbe.InUserNamespace))
        {
            string detail = $"cannot create a user namespace: {error}";
            return f.IsRoot
                ? CheckResult.Warn(Name, $"{detail} (as root only configs that ask for a user namespace need one)", "see the userns check: the sysctl that allows user namespaces")
                : CheckResult.Fail(Name, $"{detail}: no rootless container can run", "see the userns check: the sysctl that allows user namespaces");
        }
        if (!o.Stdout.Contains(OverlayProbe.Mounted))
            return CheckResult.Warn(Name, $"kernel overlayfs cannot be mounted in a user namespace: {error}: layered root filesystems need fuse-overlayfs",
                "apt-get install fuse-overlayfs\nor: upgrade to Linux 5.11 or later (overlayfs in user namespaces)");
        return CheckResult.Ok(Name, "kernel overlayfs mounts inside a user namespace");
    }

    /// <summary>The child's error output on one line, bounded; its exit status when it said nothing.</summary>
    public static string ErrorText(CommandOutcome o)
    {
        string text = string.Join(" ", o.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (text.Length == 0) text = $"exit status {o.ExitCode}";
        return text.Length > MaxErrorText ? text[..MaxErrorText] + "..." : text;
    }
}
