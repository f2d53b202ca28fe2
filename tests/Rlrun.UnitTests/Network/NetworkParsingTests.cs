using Rlrun.Runtime.Host;
using Rlrun.Runtime.Network;
using Xunit;

namespace Rlrun.UnitTests.Network;

/// <summary>-p and --network as podman spells them; the default helper of an image container;
/// the helper command lines (what reaches pasta and slirp4netns).</summary>
public sealed class NetworkParsingTests
{
    [Theory]
    [InlineData("127.0.0.1:8080:80", "127.0.0.1", 8080, 80, 1, "tcp")]
    [InlineData("8080:80/udp", null, 8080, 80, 1, "udp")]
    [InlineData("0.0.0.0:8000-8009:80-89/tcp", "0.0.0.0", 8000, 80, 10, "tcp")]
    public void Publish_specs_parse(string spec, string? ip, int host, int container, int count, string proto) =>
        Assert.Equal(new PortMapping(ip, host, container, count, proto), PortMapping.Parse(spec));

    [Theory]
    [InlineData("80", "no host port")]
    [InlineData(":80", "no host port")]
    [InlineData("8080:80/sctp", "sctp")]
    [InlineData("8000-8001:80", "the host range has 2 ports, the container range 1 port")]
    [InlineData("x:1:2", "not an IP address")]
    [InlineData("1.2.3:8080:80", "\"1.2.3\" is not an IP address")]
    [InlineData("127.0.0.256:8080:80", "not an IP address")]
    [InlineData("70000:80", "not a port")]
    [InlineData("[::1]:8080:80", "only IPv4")]
    public void Bad_publish_specs_name_the_problem(string spec, string expected) =>
        Assert.Contains(expected, Assert.Throws<ArgumentException>(() => PortMapping.Parse(spec)).Message);

    [Theory]
    [InlineData("none", "none", null)]
    [InlineData("pasta:--mtu,1500", "pasta", null)]
    [InlineData("slirp4netns:allow_host_loopback=true,mtu=1500", "slirp4netns", null)]
    [InlineData("container:web", "container", "web")]
    [InlineData("ns:/run/netns/x", "ns", "/run/netns/x")]
    public void Network_modes_parse(string value, string kind, string? target)
    {
        var m = NetworkMode.Parse(value);
        Assert.Equal(kind, m.Kind);
        Assert.Equal(target, m.Target);
    }

    [Theory]
    [InlineData("bridge")]
    [InlineData("container:")]
    [InlineData("ns:relative")]
    [InlineData("slirp4netns:port_handler=rootlesskit")]
    [InlineData("host:x")]
    public void Bad_network_modes_are_refused(string value) =>
        Assert.Throws<ArgumentException>(() => NetworkMode.Parse(value));

    [Theory]
    [InlineData("ns:relative", "--network ns:relative: the namespace's path must be absolute")]
    [InlineData("bridge", "rlrun has no bridge networks")]
    [InlineData("slirp4netns:mtu=abc", "unknown slirp4netns option \"mtu=abc\"")]
    public void Bad_network_modes_say_why(string value, string expected) =>
        Assert.Contains(expected, Assert.Throws<ArgumentException>(() => NetworkMode.Parse(value)).Message);

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("fd00::2", true)]
    [InlineData("1.2.3", false)]
    [InlineData("5", false)]
    [InlineData("1.2.3.04", true)]
    [InlineData("1.2.3.256", false)]
    [InlineData("1..3.4", false)]
    [InlineData("bad", false)]
    [InlineData("db:1", false)]
    public void Ip_addresses_are_read_as_podman_reads_them(string text, bool valid) =>
        Assert.Equal(valid, IpText.Valid(text));

    [Fact]
    public void Dns_and_add_host_take_only_whole_addresses()
    {
        var mode = new NetworkMode(NetworkMode.None, [], null);
        Assert.Contains("--dns \"5\"", Assert.Throws<ArgumentException>(() => new NetworkRequest(mode, [], ["5"], []).Validate()).Message);
        Assert.Contains("--add-host \"db:10.1\"", Assert.Throws<ArgumentException>(() => new NetworkRequest(mode, [], [], ["db:10.1"]).Validate()).Message);
        new NetworkRequest(mode, [], ["192.0.2.53", "2001:db8::53"], ["db:192.0.2.10", "v6:2001:db8::10"]).Validate();
    }

    /// <summary>pasta 2023-03's answer to an option it does not know: one line, then its usage.</summary>
    [Fact]
    public void A_helpers_failure_is_its_own_words_without_its_usage_text()
    {
        string log = Path.GetTempFileName();
        try
        {
            File.WriteAllText(log, "pasta: unrecognized option '--bogus'\nFailed to send 51 bytes to syslog\nUsage: pasta [OPTION]... [COMMAND] [ARGS]...\n"
                + "       pasta [OPTION]... PID\n  --config-net\t\tConfigure tap interface in namespace\n  --ns-mac-addr ADDR\tSet MAC address on tap interface\n");
            Assert.Equal("pasta: unrecognized option '--bogus'", HelperProcess.LogSummary(log, "fallback"));
        }
        finally { File.Delete(log); }
    }

    [Fact]
    public void Image_containers_get_pasta_then_slirp4netns_then_none_with_one_warning()
    {
        var warnings = new List<string>();
        Assert.Equal("pasta", NetworkDefaults.ForImageContainer(new NetworkHelperFacts("/s", "/p"), warnings.Add).Kind);
        Assert.Equal("slirp4netns", NetworkDefaults.ForImageContainer(new NetworkHelperFacts("/s", null), warnings.Add).Kind);
        Assert.Empty(warnings);
        Assert.Equal("none", NetworkDefaults.ForImageContainer(new NetworkHelperFacts(null, null), warnings.Add).Kind);
        Assert.Single(warnings);
    }

    [Fact]
    public void Pasta_forwards_only_what_is_published_and_not_the_host_loopback()
    {
        var r = new NetworkRequest(NetworkMode.Parse("pasta"), [PortMapping.Parse("127.0.0.1:8000-8001:80-81")], [], []);
        var cmd = HelperCommand.Pasta("/usr/bin/pasta", r, 42, "/state");
        Assert.Equal(["pasta", "-f", "-q", "--config-net", "--pid", "/state/network-helper.pid",
            "-t", "127.0.0.1/8000-8001:80-81", "-u", "none", "-T", "none", "-U", "none", "--no-map-gw", "42"], cmd.Args);
    }

    /// <summary>The watcher's early readiness (the namespace's routes) holds for rlrun's own pasta
    /// options only; options of the user's may change what pasta configures: its pid file then.</summary>
    [Theory]
    [InlineData("pasta", true)]
    [InlineData("pasta:--map-gw", true)]
    [InlineData("pasta:-4", false)]
    [InlineData("pasta:--mtu,1500", false)]
    public void Pasta_is_ready_once_configured_only_with_rlruns_own_options(string mode, bool early)
    {
        var r = new NetworkRequest(NetworkMode.Parse(mode), [], [], []);
        Assert.Equal(early, HelperCommand.Pasta("/usr/bin/pasta", r, 42, "/state").ReadyWhenConfigured);
        Assert.False(HelperCommand.Slirp4netns("/usr/bin/slirp4netns", new NetworkRequest(NetworkMode.Parse("slirp4netns"), [], [], []), 42, "/state").ReadyWhenConfigured);
    }

    [Fact]
    public void Slirp4netns_is_told_its_ready_fd_and_api_socket()
    {
        var r = new NetworkRequest(NetworkMode.Parse("slirp4netns:mtu=1500"), [], [], []);
        var cmd = HelperCommand.Slirp4netns("/usr/bin/slirp4netns", r, 42, "/state");
        Assert.Equal(["slirp4netns", "--configure", "--mtu=1500", "--ready-fd=4", "--api-socket", "/state/slirp4netns.sock",
            "--disable-host-loopback", "42", "tap0"], cmd.Args);
    }

    [Fact]
    public void Resolv_conf_skips_the_hosts_loopback_nameservers()
    {
        var r = new NetworkRequest(NetworkMode.Parse("pasta"), [], [], []);
        Assert.Equal("nameserver 192.0.2.53\n", ResolvConf.Text(r, ["127.0.0.53", "192.0.2.53"]));
        var slirp = r with { Mode = NetworkMode.Parse("slirp4netns") };
        Assert.Equal("nameserver 10.0.2.3\n", ResolvConf.Text(slirp, ["192.0.2.53"]));
        Assert.Equal("nameserver 9.9.9.9\n", ResolvConf.Text(r with { Dns = ["9.9.9.9"] }, ["192.0.2.53"]));
    }

    [Fact]
    public void The_hosts_nameservers_are_read_from_its_resolv_conf()
    {
        string path = Path.Join(Path.GetTempPath(), $"rlrun-resolv-{Guid.NewGuid():N}");
        File.WriteAllText(path, "# nameserver 192.0.2.9\nsearch example.org\nnameserver\t192.0.2.1 \n  nameserver 127.0.0.53\nnameserver\noptions ndots:1\nnameserver 2001:db8::1 extra\n");
        try { Assert.Equal(["192.0.2.1", "127.0.0.53", "2001:db8::1"], ResolvConf.HostNameservers(path)); }
        finally { File.Delete(path); }
        Assert.Empty(ResolvConf.HostNameservers(path));
    }

    [Fact]
    public void A_host_port_published_twice_is_refused() =>
        Assert.Contains("published twice", Assert.Throws<ArgumentException>(() =>
            new NetworkRequest(NetworkMode.Parse("pasta"), [PortMapping.Parse("8080:80"), PortMapping.Parse("8080:81")], [], []).Validate()).Message);
}
