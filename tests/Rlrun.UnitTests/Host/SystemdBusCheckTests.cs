using System.Net.Sockets;
using Rlrun.Runtime.Host;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Host;

public class SystemdBusCheckTests
{
    static readonly CheckUser Alice = new(1000, 1000, "alice");
    static readonly CheckUser Root = new(0, 0, "root");

    [Fact]
    public void A_user_tries_the_session_bus_then_the_managers_private_socket()
    {
        var c = SystemdBusFacts.Candidates(false, null, null, "/run/user/1000");
        Assert.Equal(["/run/user/1000/bus", "/run/user/1000/systemd/private"], c.Select(p => p.Address!.Path));
    }

    [Fact]
    public void DBUS_SESSION_BUS_ADDRESS_replaces_the_default_bus()
    {
        var c = SystemdBusFacts.Candidates(false, "unix:path=/tmp/bus,guid=123", null, "/run/user/1000");
        Assert.Equal(new UnixSocketAddress("/tmp/bus", false), c[0].Address);
        Assert.Contains("DBUS_SESSION_BUS_ADDRESS", c[0].What);
        Assert.Equal("/run/user/1000/systemd/private", c[1].Address!.Path);
    }

    [Fact]
    public void An_address_without_a_unix_socket_is_a_probe_that_failed()
    {
        var c = SystemdBusFacts.Candidates(false, "tcp:host=localhost,port=1234", null, null);
        var probe = Assert.Single(c);
        Assert.Null(probe.Address);
        Assert.Contains("names no unix:path=", probe.Error);
    }

    [Fact]
    public void Root_tries_the_system_bus()
    {
        var c = SystemdBusFacts.Candidates(true, "unix:path=/run/user/0/bus", null, "/run/user/0");
        Assert.Equal(SystemdBusFacts.SystemBusSocket, Assert.Single(c).Address!.Path);
        Assert.Equal("/x", Assert.Single(SystemdBusFacts.Candidates(true, null, "unix:path=/x", null)).Address!.Path);
    }

    [Fact]
    public void Dbus_addresses_give_paths_and_abstract_names_unescaped()
    {
        Assert.Equal([new UnixSocketAddress("/run/user/1000/bus", false), new UnixSocketAddress("/tmp/dbus-x y", true)],
            DbusAddress.UnixSockets("unix:path=/run/user/1000/bus;tcp:host=h;unix:abstract=/tmp/dbus-x%20y,guid=ab"));
        Assert.Empty(DbusAddress.UnixSockets("unix:tmpdir=/tmp"));
    }

    [Fact]
    public void A_bus_that_accepts_is_ok()
    {
        var bus = new UnixSocketAddress("/run/user/1000/bus", false);
        var r = SystemdBusCheck.Evaluate(new SystemdBusFacts(Alice, "/run/user/1000", [new BusProbe("session bus", bus, null)]));
        Assert.Equal(CheckStatus.Ok, r.Status);
        Assert.Equal("session bus /run/user/1000/bus accepts connections", r.Detail);
    }

    [Fact]
    public void The_private_socket_alone_is_ok_and_says_the_bus_failed()
    {
        var r = SystemdBusCheck.Evaluate(new SystemdBusFacts(Alice, "/run/user/1000",
        [
            new BusProbe("session bus", new UnixSocketAddress("/run/user/1000/bus", false), "No such file or directory"),
            new BusProbe("systemd --user private socket", new UnixSocketAddress("/run/user/1000/systemd/private", false), null),
        ]));
        Assert.Equal(CheckStatus.Ok, r.Status);
        Assert.StartsWith("session bus /run/user/1000/bus: No such file or directory; but systemd --user private socket", r.Detail);
    }

    [Fact]
    public void No_manager_warns_with_linger_a_session_or_the_dbus_socket()
    {
        var r = SystemdBusCheck.Evaluate(new SystemdBusFacts(Alice, "/run/user/1000",
            [new BusProbe("session bus", new UnixSocketAddress("/run/user/1000/bus", false), "Connection refused")]));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains("Connection refused", r.Detail);
        Assert.Contains("cgroup filesystem", r.Detail);
        Assert.Equal(3, r.FixLines.Count);
        Assert.Equal("loginctl enable-linger alice", r.FixLines[0]);
        Assert.Contains("systemctl --user start dbus.socket", r.FixLines[2]);
    }

    [Fact]
    public void No_runtime_dir_warns_with_the_variable_to_set()
    {
        var r = SystemdBusCheck.Evaluate(new SystemdBusFacts(Alice, null, []));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.StartsWith("export XDG_RUNTIME_DIR=/run/user/1000", r.Fix);
    }

    [Fact]
    public void Without_systemd_as_pid1_no_loginctl_or_systemctl_is_suggested()
    {
        var r = SystemdBusCheck.Evaluate(new SystemdBusFacts(Alice, "/run/user/1000",
            [new BusProbe("session bus", new UnixSocketAddress("/run/user/1000/bus", false), "No such file or directory")], SystemdIsPid1: false));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains("not PID 1", r.Detail);
        Assert.DoesNotContain("loginctl", r.Fix);
        Assert.DoesNotContain("systemctl", r.Fix);
    }

    [Fact]
    public void Root_without_a_system_bus_warns()
    {
        var r = SystemdBusCheck.Evaluate(new SystemdBusFacts(Root, null,
            [new BusProbe("system bus", new UnixSocketAddress(SystemdBusFacts.SystemBusSocket, false), "No such file or directory")]));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains("system manager", r.Detail);
    }

    [Fact]
    public void Connecting_tells_a_listening_socket_from_a_missing_one()
    {
        using var dir = new TempDir();
        string path = dir.Join("s");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(4);
        Assert.Null(UnixSocketCalls.TryConnect(new UnixSocketAddress(path, false), TimeSpan.FromSeconds(1)));
        Assert.Equal("No such file or directory", UnixSocketCalls.TryConnect(new UnixSocketAddress(dir.Join("none"), false), TimeSpan.FromSeconds(1)));
        // Bound but not listening: the file is there, nobody accepts.
        string idle = dir.Join("idle");
        using var bound = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        bound.Bind(new UnixDomainSocketEndPoint(idle));
        Assert.Equal("Connection refused", UnixSocketCalls.TryConnect(new UnixSocketAddress(idle, false), TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Connecting_reaches_an_abstract_socket()
    {
        string name = $"rlrun-unit-{Guid.NewGuid():N}";
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint("\0" + name));
        listener.Listen(4);
        Assert.Null(UnixSocketCalls.TryConnect(new UnixSocketAddress(name, true), TimeSpan.FromSeconds(1)));
        Assert.NotNull(UnixSocketCalls.TryConnect(new UnixSocketAddress(name + "-none", true), TimeSpan.FromSeconds(1)));
    }
}
