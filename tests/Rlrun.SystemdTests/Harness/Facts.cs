using Xunit;

namespace Rlrun.SystemdTests.Harness;

/// <summary>Needs dbus-daemon for a private bus with a fake manager on it (see
/// <see cref="FakeManager"/>); skipped with that reason otherwise.</summary>
public sealed class DBusDaemonFactAttribute : FactAttribute
{
    public DBusDaemonFactAttribute()
    {
        if (FakeManager.SkipReason is { } r) Skip = r;
    }
}

/// <summary>Needs a real systemd user manager (started by scripts/user-manager.sh when the tests
/// run as root); skipped with the host fact that failed otherwise.</summary>
public sealed class UserManagerFactAttribute : FactAttribute
{
    public UserManagerFactAttribute()
    {
        if (UserManager.Current.SkipReason is { } r) Skip = r;
    }
}

/// <summary>The tests that use the user manager: run one after another, and the fixture stops
/// the manager (if these tests started it) when they are done.</summary>
[CollectionDefinition(Name)]
public sealed class UserManagerCollection : ICollectionFixture<UserManagerFixture>
{
    public const string Name = "systemd user manager";
}

public sealed class UserManagerFixture : IDisposable
{
    public void Dispose() => UserManager.Current.Release();
}
