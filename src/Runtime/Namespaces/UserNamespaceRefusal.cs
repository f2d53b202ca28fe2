namespace Rlrun.Runtime.Namespaces;

/// <summary>What stands in the way when stage 1's unshare(CLONE_NEWUSER) fails, as far as rlrun can
/// see it from where it runs: user.max_user_namespaces of its own user namespace (0 forbids
/// nesting: a container sets it so), a seccomp filter (a container's default profile may refuse
/// unshare and clone with CLONE_NEWUSER), the nesting depth limit (32).</summary>
public sealed record UserNamespaceLimits(long? MaxUserNamespaces, int? SeccompMode, bool InForeignUserNamespace)
{
    public static UserNamespaceLimits Gather(bool inForeignUserNamespace) =>
        new(ReadNumber("/proc/sys/user/max_user_namespaces"), ParseSeccompMode(ReadOrNull("/proc/self/status")), inForeignUserNamespace);

    /// <summary>The "Seccomp:" field of /proc/PID/status: 0 none, 1 strict, 2 filter.</summary>
    public static int? ParseSeccompMode(string? status)
    {
        foreach (var line in (status ?? "").Split('\n'))
            if (line.StartsWith("Seccomp:") && int.TryParse(line[8..].Trim(), out int mode)) return mode;
        return null;
    }

    static string? ReadOrNull(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    static long? ReadNumber(string path) => long.TryParse(ReadOrNull(path)?.Trim(), out long n) ? n : null;
}

public static class UserNamespaceRefusal
{
    /// <summary>What stage 1 says (nsstage.c) when unshare(CLONE_NEWUSER) fails.</summary>
    public const string Stage1Prefix = "unshare user namespace: ";

    /// <summary>Stage 1's error with the likely cause appended; as is when it is another error.</summary>
    public static string Explain(string stage1Error, UserNamespaceLimits limits)
    {
        if (!stage1Error.StartsWith(Stage1Prefix)) return stage1Error;
        var causes = new List<string>();
        if (limits.MaxUserNamespaces is 0)
            causes.Add(limits.InForeignUserNamespace
                ? "user.max_user_namespaces is 0 in the user namespace rlrun runs in: the enclosing container forbids nested user namespaces (raise it where that container is made, e.g. sysctl user.max_user_namespaces=15000 in its user namespace)"
                : "user.max_user_namespaces is 0: user namespaces are disabled (sysctl -w user.max_user_namespaces=28633)");
        if (limits.SeccompMode is 2)
            causes.Add(limits.InForeignUserNamespace
                ? "a seccomp filter is active here (Seccomp: 2 in /proc/self/status): the enclosing container's profile may refuse unshare/clone with CLONE_NEWUSER; run it with a profile that allows them"
                : "a seccomp filter is active here (Seccomp: 2 in /proc/self/status) and may refuse unshare with CLONE_NEWUSER");
        if (causes.Count == 0) return $"{stage1Error} (see `rlrun check`)";
        return $"{stage1Error}: {string.Join("; ", causes)}";
    }
}
