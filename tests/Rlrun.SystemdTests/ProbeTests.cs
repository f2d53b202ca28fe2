using System.Diagnostics;
using System.Net.Sockets;
using Rlrun.Systemd;
using Rlrun.SystemdTests.Harness;
using Xunit;

namespace Rlrun.SystemdTests;

/// <summary>"Is a manager there" answers false, within its bound, instead of throwing.</summary>
public sealed class ProbeTests
{
    [Fact]
    public void NoSocket_IsNotReachable()
    {
        var sw = Stopwatch.StartNew();
        // A bound far above what a missing socket costs, even on a loaded machine: no socket answers at once.
        Assert.False(SystemdBus.IsManagerReachable("unix:path=/nonexistent/rlrun-test-bus", busClient: true, TimeSpan.FromSeconds(60), out var reason));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed}");
        Assert.Contains("/nonexistent/rlrun-test-bus", reason);
    }

    [Fact]
    public void ASilentPeer_IsNotReachable_WithinTheBound()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rlrun-silent-{Guid.NewGuid():N}.sock");
        using var server = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint(path));
        server.Listen(4);
        try
        {
            var sw = Stopwatch.StartNew();
            Assert.False(SystemdBus.IsManagerReachable("unix:path=" + path, busClient: true, TimeSpan.FromMilliseconds(500), out var reason));
            // Without the bound a silent peer is waited for forever; with it, 0.5 s and whatever a loaded machine adds.
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15), $"took {sw.Elapsed}");
            Assert.Contains("not ready", reason);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void NoSystemManager_IsNotReachable_OrAnswersItsVersion()
    {
        // On the test machine systemd is not PID 1: no system bus, or no systemd on it.
        var reachable = SystemdBus.IsManagerReachable(BusKind.System, TimeSpan.FromSeconds(3), out var reason);
        if (reachable) Assert.StartsWith("systemd ", reason);
        else Assert.False(string.IsNullOrEmpty(reason));
    }

    [Fact]
    public void SystemdException_NamesTheCallAndTheDBusError()
    {
        var e = new SystemdException("StartTransientUnit(x.scope)", 1, DBusErrors.PropertyReadOnly, "Cannot set property Foo, or unknown property.");
        Assert.Equal("StartTransientUnit(x.scope): org.freedesktop.DBus.Error.PropertyReadOnly: Cannot set property Foo, or unknown property.", e.Message);
        var n = new SystemdException("sd_bus_open_user", 2);
        Assert.Equal("sd_bus_open_user: No such file or directory (errno 2)", n.Message);
        Assert.True(new SystemdException("x", 0, DBusErrors.NoSuchUnit, "gone").IsNoSuchUnit);
        Assert.True(new SystemdException("x", 110).IsTimeout);
    }
}

public sealed class BusKindTests
{
    [Theory]
    [InlineData("         0          0 4294967295\n", true)]
    [InlineData(null, true)]
    [InlineData("         0       1000          1\n", false)]                                  // rootless podman's namespace
    [InlineData("         0       1000          1\n         1     100000      65536\n", false)]
    [InlineData("", false)]                                                                    // a new namespace, not mapped yet
    public void InitialUserNamespace_IsTheFullIdentityMap(string? map, bool initial) =>
        Assert.Equal(initial, SystemdBus.IsInitialUserNamespace(map));

    [Fact]
    public void Auto_IsSystemForRealRoot_UserOtherwise()
    {
        var expected = Environment.UserName == "root" && SystemdBus.IsInitialUserNamespace(File.ReadAllText("/proc/self/uid_map"))
            ? BusKind.System : BusKind.User;
        Assert.Equal(expected, SystemdBus.ResolveAuto());
    }
}

public sealed class BusUserIdTests
{
    [Theory]
    [InlineData(1000u, "         0          0 4294967295\n", 1000u)]                               // the initial namespace
    [InlineData(0u, "         0       1001          1\n         1     100000      65536\n", 1001u)] // rootless podman's root
    [InlineData(5u, "         0       1001          1\n         1     100000      65536\n", 100004u)]
    [InlineData(7u, null, 7u)]
    [InlineData(7u, "", 7u)]
    public void TheUidClaimed_IsTheOneTheBusDaemonSees(uint euid, string? map, uint claimed) =>
        Assert.Equal(claimed, BusUserId.Map(euid, map));
}
