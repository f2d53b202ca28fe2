using System.Net;
using System.Net.Sockets;
using Rlrun.Runtime.Network;
using Xunit;

namespace Rlrun.UnitTests.Network;

/// <summary>What delete waits for of a killed helper: its published ports, read from /proc/self/net.</summary>
public class HostPortsTests
{
    [Fact]
    public void The_recorded_specs_give_every_host_port_of_a_range_with_its_protocol()
    {
        var ports = HostPorts.Of(["127.0.0.1:8080-8081:80-81/tcp", "5353:53/udp"]);
        Assert.Equal([(8080, "tcp"), (8081, "tcp"), (5353, "udp")], ports);
        Assert.Empty(HostPorts.Of(null)!);
        Assert.Null(HostPorts.Of(["not a port"]));
    }

    [Fact]
    public void A_tcp_listener_holds_its_port_and_its_close_frees_it()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Assert.True(HostPorts.AnyHeld([(port, "tcp")]));
        Assert.False(HostPorts.AnyHeld([(port, "udp")]));
        listener.Stop();
        Assert.False(HostPorts.AnyHeld([(port, "tcp")]));
    }

    [Fact]
    public void A_bound_udp_socket_holds_its_port()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)s.LocalEndPoint!).Port;
        Assert.True(HostPorts.AnyHeld([(port, "udp")]));
        s.Close();
        Assert.False(HostPorts.AnyHeld([(port, "udp")]));
    }

    [Fact]
    public void Only_a_process_of_this_network_namespace_is_in_it()
    {
        Assert.True(HostPorts.SameNetworkNamespace(Environment.ProcessId));
        Assert.False(HostPorts.SameNetworkNamespace(0));
    }
}
