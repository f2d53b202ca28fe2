using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Host;

/// <summary>What the kernel check looks at: the release uname reports.</summary>
public sealed record KernelFacts(string? Release)
{
    public static KernelFacts Gather() => new(UnameCalls.Release());
}

/// <summary>Whether the kernel has what rlrun calls: pidfd_open (5.3), openat2 (5.6) and
/// close_range (5.9) are required; kernel overlayfs inside a user namespace (5.11) is wanted
/// for layered root filesystems, else they need fuse-overlayfs.</summary>
public static class KernelVersionCheck
{
    public const string Name = "kernel";
    public static readonly Version Required = new(5, 9), Wanted = new(5, 11);

    const string UpgradeFix = "upgrade to Linux 5.11 or later (the distribution's newer or backports kernel), then reboot";

    public static CheckResult Evaluate(KernelFacts facts)
    {
        if (facts.Release is null)
            return CheckResult.Warn(Name, "uname gave no kernel release: cannot tell whether pidfd_open, openat2 and close_range exist", UpgradeFix);
        var version = Parse(facts.Release);
        if (version is null)
            return CheckResult.Warn(Name, $"{facts.Release}: not a version rlrun can read (it needs Linux >= {Required})", UpgradeFix);
        if (version < Required)
            return CheckResult.Fail(Name, $"{facts.Release}: rlrun needs Linux >= {Required} (pidfd_open 5.3, openat2 5.6, close_range 5.9)", UpgradeFix);
        if (version < Wanted)
            return CheckResult.Warn(Name, $"{facts.Release}: below {Wanted}, kernel overlayfs cannot be mounted in a user namespace (layered root filesystems need fuse-overlayfs)", UpgradeFix);
        return CheckResult.Ok(Name, $"{facts.Release} (>= {Wanted}: pidfd_open, openat2, close_range, overlayfs in a user namespace)");
    }

    /// <summary>MAJOR.MINOR of a release such as "6.1.0-18-amd64" or "5.15.0+"; null when it has none.</summary>
    public static Version? Parse(string release)
    {
        var parts = release.Split('.', 3);
        if (parts.Length < 2 || !int.TryParse(parts[0], out int major)) return null;
        int digits = 0;
        while (digits < parts[1].Length && char.IsAsciiDigit(parts[1][digits])) digits++;
        if (digits == 0 || !int.TryParse(parts[1][..digits], out int minor)) return null;
        return new Version(major, minor);
    }
}
