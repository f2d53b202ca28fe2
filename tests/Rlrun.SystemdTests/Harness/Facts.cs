using System.Runtime.InteropServices;
using Xunit;

namespace Rlrun.SystemdTests.Harness;

/// <summary>Needs libsystemd.so.0 loadable in the test process (sd-bus message encoding, no
/// manager needed); skipped with that reason otherwise.</summary>
public sealed class LibsystemdFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Reason = new(() =>
        NativeLibrary.TryLoad("libsystemd.so.0", out var h) ? Free(h) : "libsystemd.so.0 cannot be loaded on this host (package libsystemd0)");

    private static string? Free(IntPtr h)
    {
        NativeLibrary.Free(h);
        return null;
    }

    public LibsystemdFactAttribute()
    {
        if (Reason.Value is { } r) Skip = r;
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
