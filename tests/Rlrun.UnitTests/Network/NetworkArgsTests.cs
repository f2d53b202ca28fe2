using Rlrun.Runtime.Network;
using Xunit;

namespace Rlrun.UnitTests.Network;

/// <summary>A network request as the flags a supervised container carries to rlrun-supervisor, the
/// daemon and their records: read back, it is the same request, so every restart gets the same ports.</summary>
public sealed class NetworkArgsTests
{
    [Theory]
    [InlineData("pasta", new[] { "127.0.0.1:8080:80" })]
    [InlineData("pasta:--map-gw,--mtu,1500", new[] { "8000-8009:80-89/tcp", "5353:53/udp" })]
    [InlineData("slirp4netns:allow_host_loopback=true,mtu=1500", new string[0])]
    [InlineData("container:web", new string[0])]
    [InlineData("ns:/run/netns/a", new string[0])]
    public void A_request_reads_back_the_same(string network, string[] publish)
    {
        var request = new NetworkRequest(NetworkMode.Parse(network), publish.Select(PortMapping.Parse).ToList(), ["192.0.2.53"], ["db:192.0.2.10"]);

        var back = NetworkArgs.From(request).ToRequest();

        Assert.Equal(request.Mode.ToString(), back.Mode.ToString());
        Assert.Equal(request.Mode.Options, back.Mode.Options);
        Assert.Equal(request.Ports, back.Ports);
        Assert.Equal(request.Dns, back.Dns);
        Assert.Equal(request.AddHosts, back.AddHosts);
        Assert.Equal(NetworkArgs.From(request), NetworkArgs.From(back));
    }

    [Fact]
    public void No_ports_dns_or_hosts_are_left_out_of_the_record()
    {
        var args = NetworkArgs.From(new NetworkRequest(NetworkMode.Parse("pasta"), [], [], []));
        Assert.Equal(new NetworkArgs("pasta"), args);
        Assert.Null(args.Publish);
    }

    /// <summary>generate systemd reads the daemon's record without the actors: the network comes with it,
    /// as the flags the unit's `rlrun run` takes.</summary>
    [Fact]
    public void A_daemon_record_gives_its_network_flags_to_generate_systemd()
    {
        string root = Path.Join(Path.GetTempPath(), "rlrun-netargs-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Join(root, ".supervised"));
        try
        {
            File.WriteAllText(Rlrun.Runtime.Daemon.DaemonPaths.Record(root, "web"), """
                {"spec":{"id":"web","bundle":"/b","noPivot":false,"network":{"mode":"pasta","publish":["127.0.0.1:8080:80/tcp"],"addHost":["db:192.0.2.10"]}},"policy":"always"}
                """);
            var spec = Rlrun.Runtime.Daemon.SupervisedSpec.Read(root, "web")!;
            Assert.Equal(new NetworkArgs("pasta", ["127.0.0.1:8080:80/tcp"], null, ["db:192.0.2.10"]), spec.Network);
            Assert.Equal("--network pasta --publish 127.0.0.1:8080:80/tcp --add-host db:192.0.2.10", string.Join(' ', spec.Network!.ToFlags()));
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Theory]
    [InlineData("bogus", null, "--network \"bogus\"")]
    [InlineData("none", "8080:80", "-p needs --network pasta or slirp4netns")]
    [InlineData("pasta", "80", "-p \"80\"")]
    public void A_bad_record_or_request_is_an_error_naming_the_flag(string mode, string? publish, string expected)
    {
        var args = new NetworkArgs(mode, publish is null ? null : [publish]);
        Assert.Contains(expected, Assert.Throws<ArgumentException>(() => args.ToRequest()).Message);
    }
}
