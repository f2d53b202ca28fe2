using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>Issue 14, items 2 and 4, end to end as the test user, loopback only: what the container
/// finds inside each helper's network (lo up, an interface with an address, a default route,
/// resolv.conf, hosts with its hostname, --dns and --add-host), none and a bundle's own config
/// (item 1), create publishing before start, -p ranges, and the host's loopback out of reach
/// unless asked (slirp4netns:allow_host_loopback=true, pasta:--map-gw), both ways.</summary>
public sealed class NetworkReachTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    const string Page = "hello-from-the-hosts-loopback";
    const string Marker = "---\n";

    /// <summary>The sections of what the container printed, split at Marker lines.</summary>
    string[] RunAndSplit(string network, string script, params string[] flags)
    {
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", script]);
        var r = _s.Rl(["run", "--bundle", b.Path, "--network", network, .. flags, _s.NewId("net-in")]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout.Split(Marker);
    }

    const string InsideScript = "ip addr; echo ---; ip route; echo ---; cat /etc/resolv.conf; echo ---; cat /etc/hosts; echo ---; hostname";

    /// <summary>`ip addr`'s interfaces: name, flags, IPv4 addresses.</summary>
    static List<(string Name, string Flags, List<string> Inet)> Interfaces(string ipAddr)
    {
        var list = new List<(string, string, List<string>)>();
        foreach (string line in ipAddr.Split('\n'))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 3 && f[0].EndsWith(':') && int.TryParse(f[0][..^1], out _)) list.Add((f[1].TrimEnd(':'), f[2], []));
            else if (f.Length >= 2 && f[0] == "inet" && list.Count > 0) list[^1].Item3.Add(f[1]);
        }
        return list;
    }

    void InsideIs(string network, string iface, IReadOnlyList<string> nameservers)
    {
        var p = RunAndSplit(network, InsideScript);
        var ifs = Interfaces(p[0]);
        Assert.Contains(ifs, i => i.Name == "lo" && i.Flags.Contains(",UP") && i.Inet.Contains("127.0.0.1/8"));
        Assert.Contains(ifs, i => i.Name == iface && i.Flags.Contains(",UP") && i.Inet.Count > 0);
        Assert.Contains(p[1].Split('\n'), l => l.StartsWith("default via ") && l.Contains($" dev {iface}"));
        Assert.Equal(string.Concat(nameservers.Select(n => $"nameserver {n}\n")), p[2]);
        Assert.Contains($"127.0.1.1\t{p[4].Trim()}", p[3].Split('\n'));
        Assert.Contains("127.0.0.1\tlocalhost", p[3].Split('\n'));
    }

    /// <summary>slirp4netns: tap0 10.0.2.100/24, default via 10.0.2.2, its DNS forwarder 10.0.2.3.</summary>
    [HelperFact("slirp4netns")]
    public void Inside_slirp4netns_lo_tap0_a_default_route_its_dns_forwarder_and_the_hostname()
    {
        InsideIs("slirp4netns", "tap0", ["10.0.2.3"]);
    }

    /// <summary>pasta: the host's interface name and address, its default route, and the host's
    /// nameservers but its loopback ones (127.0.0.53 on the host is not the container's loopback).</summary>
    [HelperFact("pasta")]
    public void Inside_pasta_lo_the_hosts_interface_a_default_route_the_hosts_nameservers_and_the_hostname()
    {
        string iface = File.ReadAllLines("/proc/net/route").Skip(1).Select(l => l.Split('\t'))
            .First(f => f.Length > 2 && f[1] == "00000000")[0];
        var ns = File.ReadAllLines("/etc/resolv.conf").Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 2 && f[0] == "nameserver" && !f[1].StartsWith("127.") && f[1] != "::1").Select(f => f[1]).ToList();
        InsideIs("pasta", iface, ns);
    }

    [HelperFact("slirp4netns")]
    public void Dns_and_add_host_replace_the_helpers_nameserver_and_add_to_hosts()
    {
        var p = RunAndSplit("slirp4netns", InsideScript, "--dns", "192.0.2.53", "--add-host", "db.example:192.0.2.10");
        Assert.Equal("nameserver 192.0.2.53\n", p[2]);
        Assert.Contains("192.0.2.10\tdb.example", p[3].Split('\n'));
        Assert.Contains($"127.0.1.1\t{p[4].Trim()}", p[3].Split('\n'));
    }

    /// <summary>--network none: a namespace of its own with loopback only, no helper; without any
    /// network flag a bundle's config.json decides (issue 14, item 1): its network namespace gives
    /// loopback only, and without one the container is in the host's, with no helper either way.</summary>
    [UserFact]
    public void None_is_loopback_only_and_without_flags_a_bundles_config_decides()
    {
        string Names(string ipAddr) => string.Join(',', Interfaces(ipAddr).Select(i => i.Name));
        Assert.Equal("lo", Names(RunAndSplit("none", "ip addr")[0]));

        var own = _s.NewBundle(["/bin/busybox", "sh", "-c", "ip addr; readlink /proc/self/ns/net"]);
        var r = _s.Rl("run", "--bundle", own.Path, _s.NewId("net-cfg"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("lo", Names(r.Stdout));
        Assert.DoesNotContain(new FileInfo("/proc/self/ns/net").LinkTarget!, r.Stdout);

        var hostNet = _s.NewBundle(["/bin/busybox", "readlink", "/proc/self/ns/net"],
            c => c["linux"]!["namespaces"]!.AsArray().Remove(c["linux"]!["namespaces"]!.AsArray().First(n => n!["type"]!.GetValue<string>() == "network")));
        string id = _s.NewId("net-cfghost");
        r = _s.Rl("run", "--bundle", hostNet.Path, id);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(new FileInfo("/proc/self/ns/net").LinkTarget, r.Stdout.Trim());
    }

    /// <summary>create starts the helper and publishes the port before it returns (the port is the
    /// helper's already: nothing else can take it), start runs the process that serves on it;
    /// a created container deleted without a start frees its port and leaves no helper.</summary>
    [HelperFact("slirp4netns")]
    public void Create_publishes_the_port_before_start_and_delete_of_a_created_container_frees_it()
    {
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", "mkdir -p /tmp/w && echo created-then-started > /tmp/w/index.html && exec httpd -f -p 80 -h /tmp/w"],
            readonlyRoot: false);
        int port = Loopback.FreePort();
        string id = _s.NewId("net-create");
        var c = _s.Rl("create", "--bundle", b.Path, "--network", "slirp4netns", "-p", $"127.0.0.1:{port}:80", id);
        Assert.True(c.ExitCode == 0, c.ToString());
        Assert.False(Loopback.PortFree(port), $"port {port} is not held once create returned");
        Assert.NotEmpty(Loopback.HelpersOf(_s.StateDir(id)));
        var st = _s.Rl("start", id);
        Assert.True(st.ExitCode == 0, st.ToString());
        WaitUntil(() => Loopback.Curl(port).Stdout.Contains("created-then-started"), "the started container to serve", () => Loopback.Curl(port).ToString());
        Assert.True(_s.Rl("delete", "--force", id).ExitCode == 0);
        Assert.True(Loopback.PortFree(port), $"port {port} is still held right after delete");

        string never = _s.NewId("net-created");
        c = _s.Rl("create", "--bundle", b.Path, "--network", "slirp4netns", "-p", $"127.0.0.1:{port}:80", never);
        Assert.True(c.ExitCode == 0, c.ToString());
        var helpers = Loopback.HelpersOf(_s.StateDir(never));
        Assert.NotEmpty(helpers);
        var d = _s.Rl("delete", "--force", never);
        Assert.True(d.ExitCode == 0, d.ToString());
        Assert.All(helpers, pid => Assert.True(Host.CannotAct(pid), $"helper {pid} can still act after delete"));
        Assert.True(Loopback.PortFree(port), $"port {port} is still held after delete of a created container");
    }

    /// <summary>Two consecutive loopback ports nothing holds now.</summary>
    static int TwoFreePorts()
    {
        for (int i = 0; i < 50; i++)
        {
            int p = Loopback.FreePort();
            if (p < 65535 && Loopback.PortFree(p + 1)) return p;
        }
        throw new InvalidOperationException("no two consecutive free loopback ports");
    }

    /// <summary>-p HOST-RANGE:CONTAINER-RANGE: each host port reaches its own container port (an
    /// httpd on 80 and one on 81, each with its own page), and delete frees the whole range.</summary>
    void RangeServes(string network)
    {
        int port = TwoFreePorts();
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c",
            "mkdir -p /tmp/a /tmp/b && echo page-80 > /tmp/a/index.html && echo page-81 > /tmp/b/index.html && httpd -p 81 -h /tmp/b && exec httpd -f -p 80 -h /tmp/a"],
            readonlyRoot: false);
        string id = _s.NewId("net-range");
        var r = _s.Rl("run", "-d", "--bundle", b.Path, "--network", network, "-p", $"127.0.0.1:{port}-{port + 1}:80-81", id);
        Assert.True(r.ExitCode == 0, r.ToString());
        WaitUntil(() => Loopback.Curl(port).Stdout.Trim() == "page-80" && Loopback.Curl(port + 1).Stdout.Trim() == "page-81",
            $"127.0.0.1:{port} to serve page-80 and {port + 1} page-81 through {network}", () => $"{Loopback.Curl(port)} / {Loopback.Curl(port + 1)}");
        var d = _s.Rl("delete", "--force", id);
        Assert.True(d.ExitCode == 0, d.ToString());
        Assert.True(Loopback.PortFree(port) && Loopback.PortFree(port + 1), $"ports {port}-{port + 1} are still held right after delete");
        Assert.Empty(Loopback.HelpersOf(_s.StateDir(id)));
    }

    [HelperFact("pasta")]
    public void A_published_port_range_through_pasta() => RangeServes("pasta");

    [HelperFact("slirp4netns")]
    public void A_published_port_range_through_slirp4netns() => RangeServes("slirp4netns");

    static void WaitUntil(Func<bool> cond, string what, Func<string>? detail = null, double seconds = 10)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (!cond())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what}{(detail is null ? "" : ": " + detail())}");
            Thread.Sleep(50);
        }
    }

    string PageDir()
    {
        string www = Path.Join(_s.Dir, "hostwww");
        Directory.CreateDirectory(www);
        File.WriteAllText(Path.Join(www, "index.html"), Page + "\n");
        Host.ChownToUser(www);
        return www;
    }

    /// <summary>One HTTP/1.0 request with busybox nc (busybox-static's wget dies of SIGSEGV for a
    /// non-loopback address here), bounded: pasta 2023-03 may lose the host side's FIN, and nc
    /// then waits on after the reply arrived.</summary>
    static string Fetch(string host, int port) =>
        $"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 4 nc -w 3 {host} {port}; echo";

    /// <summary>slirp4netns's 10.0.2.2 is the host's loopback: refused unless allow_host_loopback=true.</summary>
    [HelperFact("slirp4netns")]
    public void The_hosts_loopback_is_reached_through_slirp4netns_only_when_asked()
    {
        int port = Loopback.FreePort();
        using var server = Proc.Start(Host.AsUser("/bin/busybox", ["httpd", "-f", "-p", $"127.0.0.1:{port}", "-h", PageDir()]));
        WaitUntil(() => Loopback.Curl(port).Stdout.Contains(Page), $"the host's httpd on 127.0.0.1:{port}");
        string script = Fetch("10.0.2.2", port);
        Assert.DoesNotContain(Page, RunAndSplit("slirp4netns", script)[0]);
        Assert.DoesNotContain(Page, RunAndSplit("slirp4netns:allow_host_loopback=false", script)[0]);
        Assert.Contains(Page, RunAndSplit("slirp4netns:allow_host_loopback=true", script)[0]);
    }

    /// <summary>pasta reaches the host's loopback through the gateway's address only with
    /// pasta:--map-gw (else that address is the real gateway's), and never through the container's
    /// own loopback (-T none). Run in a network namespace the test makes (root: unshare --net), so
    /// that "the host" is that namespace: its loopback has the server, and its default route goes
    /// to a tap nothing reads, so the unmapped gateway's connection goes nowhere, off no machine.</summary>
    [HostNamespaceFact]
    public void The_hosts_loopback_is_reached_through_pasta_only_when_asked()
    {
        const int port = 8081; // in the test's own network namespace: free
        string script = $"ip route | awk '/^default/ {{print \"gw=\" $3}}'; {Fetch("$(ip route | awk '/^default/ {print $3}')", port)}; echo ---; {Fetch("127.0.0.1", port)}";
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", script]);
        string Run(string network)
        {
            var rl = _s.RlSpec(["run", "--bundle", b.Path, "--network", network, _s.NewId("net-gw")]);
            const string setup = """
                set -e
                ip link set lo up
                ip tuntap add dev rl0 mode tap
                ip addr add 198.51.100.2/24 dev rl0
                ip link set rl0 up
                ip route add default via 198.51.100.1
                /bin/busybox httpd -f -p "127.0.0.1:$0" -h "$1" & h=$!
                until /bin/busybox wget -q -O /dev/null "http://127.0.0.1:$0/"; do sleep 0.05; done
                shift
                set +e
                "$@"; rc=$?
                kill $h
                exit $rc
                """;
            var r = Proc.Run(new ProcSpec("unshare", ["--net", "/bin/sh", "-c", setup, port.ToString(), PageDir(), rl.File, .. rl.Args], rl.Env, rl.ClearEnv),
                timeout: TimeSpan.FromSeconds(60));
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains("gw=198.51.100.1", r.Stdout);
            return r.Stdout;
        }
        var blocked = Run("pasta").Split(Marker);
        Assert.DoesNotContain(Page, blocked[0]);
        Assert.DoesNotContain(Page, blocked[1]);
        var asked = Run("pasta:--map-gw").Split(Marker);
        Assert.Contains(Page, asked[0]);
        Assert.DoesNotContain(Page, asked[1]);
    }
}

/// <summary>HelperFact("pasta"), and the tests run as root switching to the test user: root makes a
/// network namespace (unshare --net) for rlrun to run in as the test user.</summary>
public sealed class HostNamespaceFactAttribute : FactAttribute
{
    public HostNamespaceFactAttribute()
    {
        if (!Host.IsRoot || !Host.SwitchesUser) Skip = "requires root switching to RLRUN_TEST_USER (it makes a network namespace for the test)";
        else if (!File.Exists("/usr/bin/pasta")) Skip = "/usr/bin/pasta is missing (apt-get install passt)";
        else if (!File.Exists("/dev/net/tun")) Skip = "/dev/net/tun is missing";
    }
}
