using Xunit;

namespace Rlrun.IntegrationTests.Harness;

/// <summary>A test about rlrun as an unprivileged user: skipped, with the reason, when the tests
/// run as root without RLRUN_TEST_USER (rlrun would then run as root).</summary>
public sealed class UserFactAttribute : FactAttribute
{
    public UserFactAttribute()
    {
        if (!Host.Unprivileged) Skip = "requires an unprivileged user: the tests run as root and RLRUN_TEST_USER is not set";
    }
}

/// <summary>As UserFact, and the user needs a range in /etc/subuid and /etc/subgid.</summary>
public sealed class SubIdFactAttribute : FactAttribute
{
    public SubIdFactAttribute()
    {
        if (!Host.Unprivileged) Skip = "requires an unprivileged user: the tests run as root and RLRUN_TEST_USER is not set";
        else if (Host.SubUid is null || Host.SubGid is null)
            Skip = $"requires a range for {Host.UserName ?? Host.Uid.ToString()} in /etc/subuid and /etc/subgid (scripts/ensure-user.sh adds one)";
    }
}

/// <summary>A test about rlrun run by root: skipped, with the reason, when the test process is not root.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Host.IsRoot) Skip = "requires root: the test process is not root";
    }
}

/// <summary>The tests that count the user's processes run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial (counts the test user's processes)";
}

/// <summary>UserFact for theories.</summary>
public sealed class UserTheoryAttribute : TheoryAttribute
{
    public UserTheoryAttribute()
    {
        if (!Host.Unprivileged) Skip = "requires an unprivileged user: the tests run as root and RLRUN_TEST_USER is not set";
    }
}

/// <summary>A test that needs two uids: the test process as root, rlrun as the test user.</summary>
public sealed class TwoUidFactAttribute : FactAttribute
{
    public TwoUidFactAttribute()
    {
        if (!Host.SwitchesUser) Skip = "requires root switching to RLRUN_TEST_USER: the test process and rlrun have the same uid here";
    }
}

/// <summary>SubIdFact for theories.</summary>
public sealed class SubIdTheoryAttribute : TheoryAttribute
{
    public SubIdTheoryAttribute()
    {
        if (!Host.Unprivileged) Skip = "requires an unprivileged user: the tests run as root and RLRUN_TEST_USER is not set";
        else if (Host.SubUid is null || Host.SubGid is null)
            Skip = $"requires a range for {Host.UserName ?? Host.Uid.ToString()} in /etc/subuid and /etc/subgid (scripts/ensure-user.sh adds one)";
    }
}

/// <summary>SubIdFact that also needs Debian's docker-registry and skopeo (the pull tests' registry).</summary>
public sealed class RegistryFactAttribute : FactAttribute
{
    public RegistryFactAttribute() => Skip = new SubIdFactAttribute().Skip ?? RegistrySkip.Reason;
}

/// <summary>A registry test that also mounts (a small tmpfs): root switching to the test user.</summary>
public sealed class RegistryRootFactAttribute : FactAttribute
{
    public RegistryRootFactAttribute() => Skip = new RegistryFactAttribute().Skip ?? new TwoUidFactAttribute().Skip;
}

public sealed class RegistryTheoryAttribute : TheoryAttribute
{
    public RegistryTheoryAttribute() => Skip = new SubIdTheoryAttribute().Skip ?? RegistrySkip.Reason;
}

static class RegistrySkip
{
    public static string? Reason => LoopbackRegistry.Binary is null || LoopbackRegistry.Skopeo is null
        ? "requires /usr/bin/docker-registry and /usr/bin/skopeo (Debian packages docker-registry and skopeo)" : null;
}
