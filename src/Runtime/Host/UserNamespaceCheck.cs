namespace Rlrun.Runtime.Host;

/// <summary>The sysctls that allow or forbid user namespaces: the kernel's own limit, Debian's
/// switch (older Debian kernels only), Ubuntu's AppArmor restriction (23.10 on). Null: the file
/// is absent (or unreadable).</summary>
public sealed record UserNamespaceFacts(bool IsRoot, long? MaxUserNamespaces, long? UnprivilegedUsernsClone, long? AppArmorRestrict)
{
    public const string MaxPath = "/proc/sys/user/max_user_namespaces",
        ClonePath = "/proc/sys/kernel/unprivileged_userns_clone",
        AppArmorPath = "/proc/sys/kernel/apparmor_restrict_unprivileged_userns";

    public static UserNamespaceFacts Gather(CheckUser user) =>
        new(user.IsRoot, ReadNumber(MaxPath), ReadNumber(ClonePath), ReadNumber(AppArmorPath));

    static long? ReadNumber(string path)
    {
        try { return long.TryParse(File.ReadAllText(path).Trim(), out long n) ? n : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}

/// <summary>Whether the caller may create a user namespace (rlrun's stage 1 always does, unprivileged).
/// Root needs none unless config.json asks for one, and Debian's and Ubuntu's switches do not apply to it.</summary>
public static class UserNamespaceCheck
{
    public const string Name = "userns";
    const string PersistFile = "/etc/sysctl.d/90-rlrun-userns.conf";

    public static CheckResult Evaluate(UserNamespaceFacts f)
    {
        if (f.MaxUserNamespaces is null)
            return Result(f.IsRoot, "no /proc/sys/user/max_user_namespaces: the kernel has no user namespaces",
                "a kernel built with CONFIG_USER_NS=y (every distribution kernel is)");

        var seen = new List<string> { $"max_user_namespaces={f.MaxUserNamespaces}" };
        if (f.UnprivilegedUsernsClone is { } clone) seen.Add($"unprivileged_userns_clone={clone}");
        if (f.AppArmorRestrict is { } restrict) seen.Add($"apparmor_restrict_unprivileged_userns={restrict}");

        var problems = new List<string>();
        var settings = new List<string>();
        bool rootMatters = false;
        if (f.MaxUserNamespaces <= 0)
        {
            problems.Add("user namespaces are disabled (user.max_user_namespaces is 0)");
            settings.Add("user.max_user_namespaces=28633");
            rootMatters = true;
        }
        if (f.UnprivilegedUsernsClone is 0)
        {
            problems.Add("unprivileged user namespaces are disabled (Debian's kernel.unprivileged_userns_clone is 0)");
            settings.Add("kernel.unprivileged_userns_clone=1");
        }
        if (f.AppArmorRestrict is > 0)
        {
            problems.Add("AppArmor restricts unprivileged user namespaces (they get no capabilities)");
            settings.Add("kernel.apparmor_restrict_unprivileged_userns=0");
        }

        string detail = string.Join(", ", seen);
        if (problems.Count == 0) return CheckResult.Ok(Name, detail);
        // Set now, and in sysctl.d so that it holds after a reboot.
        string fix = $"sysctl -w {string.Join(' ', settings)} && printf '{string.Join("\\n", settings)}\\n' > {PersistFile}";
        string what = $"{detail}: {string.Join("; ", problems)}";
        if (f.IsRoot && !rootMatters) return CheckResult.Ok(Name, $"{what} (not for root)");
        return Result(f.IsRoot, what, fix);
    }

    // Root runs containers without a user namespace unless config.json asks for one.
    static CheckResult Result(bool isRoot, string detail, string fix) => isRoot
        ? CheckResult.Warn(Name, $"{detail}: as root only configs that ask for a user namespace fail", fix)
        : CheckResult.Fail(Name, $"{detail}: rlrun cannot create the container's user namespace", fix);
}
