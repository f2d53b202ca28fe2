using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>--network, -p (issue 14), end to end as the test user, loopback only: busybox httpd on
/// a published port fetched with curl through pasta and slirp4netns, UDP echo, the port and the
/// helper gone after delete (kill -9 of rlrun and of the container included), refusals that leave
/// nothing behind, container:ID sharing.</summary>
public sealed class NetworkTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    const string Page = "hello-from-rlrun-network";

    Bundle HttpdBundle() => _s.NewBundle(["/bin/busybox", "httpd", "-f", "-p", "80", "-h", "/www"], c => { }, readonlyRoot: true) is var b
        ? WithPage(b) : throw new InvalidOperationException();

    Bundle WithPage(Bundle b)
    {
        string www = Path.Join(b.Rootfs, "www");
        Directory.CreateDirectory(www);
        File.WriteAllText(Path.Join(www, "index.html"), Page + "\n");
        Host.ChownToUser(www);
        Host.ChownToUser(Path.Join(www, "index.html"));
        return b;
    }

    /// <summary>A loopback port nothing holds now (the kernel's pick, released).</summary>
    static int FreePort(ProtocolType proto = ProtocolType.Tcp)
    {
        using var s = proto == ProtocolType.Udp
            ? new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
            : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    static bool PortFree(int port, ProtocolType proto = ProtocolType.Tcp)
    {
        using var s = proto == ProtocolType.Udp
            ? new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
            : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try { s.Bind(new IPEndPoint(IPAddress.Loopback, port)); return true; }
        catch (SocketException) { return false; }
    }

    static ProcResult Curl(int port) =>
        Proc.Run("/usr/bin/curl", ["-sS", "--max-time", "5", $"http://127.0.0.1:{port}/"], timeout: TimeSpan.FromSeconds(10));

    JsonObject NetworkState(string id) =>
        JsonNode.Parse(File.ReadAllText(Path.Join(_s.StateDir(id), "state.json")))!["network"]!.AsObject();

    /// <summary>Processes (of anyone) whose command line names this test's state dir and that can
    /// still act (Host.CannotAct): the helpers and their watchers (pasta's pid file, slirp4netns's
    /// API socket live there).</summary>
    List<int> HelpersOf(string id)
    {
        string dir = _s.StateDir(id);
        var found = new List<int>();
        foreach (var d in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out int pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Join(d, "cmdline")).Contains(dir) && !Host.CannotAct(pid)) found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return found;
    }

    static void WaitUntil(Func<bool> cond, string what, double seconds = 10)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (!cond())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"{what} (waited {seconds}s)");
            Thread.Sleep(50);
        }
    }

    void ServesThenDeleteFreesAll(string network)
    {
        int port = FreePort();
        string id = _s.NewId("net-http");
        var r = _s.Rl("run", "-d", "--bundle", HttpdBundle().Path, "--network", network, "-p", $"127.0.0.1:{port}:80", id);
        Assert.True(r.ExitCode == 0, r.ToString());
        // Ready before run returns: the first request is served (httpd itself may need a moment).
        ProcResult c = Curl(port);
        for (int i = 0; i < 40 && !c.Stdout.Contains(Page); i++) { Thread.Sleep(50); c = Curl(port); }
        Assert.True(c.Stdout.Contains(Page), $"curl through {network}: {c}");
        var net = NetworkState(id);
        Assert.StartsWith(network, net["mode"]!.GetValue<string>());
        int helper = net["helperPid"]!.GetValue<int>();
        Assert.False(Host.ProcessGone(helper), "the helper recorded in state.json runs");
        Assert.NotEmpty(HelpersOf(id));

        var d = _s.Rl("delete", "--force", id);
        Assert.True(d.ExitCode == 0, d.ToString());
        // delete returns once the helper cannot act and its ports are free, not once the kernel
        // finished its exit (pasta's tap takes 20-40 ms more to unregister): so no wait here.
        Assert.True(Host.CannotAct(helper), $"helper {helper} can still act after delete");
        Assert.Empty(HelpersOf(id));
        Assert.True(PortFree(port), $"port {port} is still held right after delete");
        // The next container gets the same port at once, and serves on it.
        string next = _s.NewId("net-next");
        var r2 = _s.Rl("run", "-d", "--bundle", HttpdBundle().Path, "--network", network, "-p", $"127.0.0.1:{port}:80", next);
        Assert.True(r2.ExitCode == 0, $"run -p of the same port right after delete: {r2}");
        WaitUntil(() => Curl(port).Stdout.Contains(Page), "the next container serves on the same port");
        Assert.True(_s.Rl("delete", "--force", next).ExitCode == 0);
        Assert.True(PortFree(port), $"port {port} is still held right after the second delete");
    }

    [HelperFact("pasta")]
    public void Httpd_on_a_published_port_through_pasta() => ServesThenDeleteFreesAll("pasta");

    [HelperFact("slirp4netns")]
    public void Httpd_on_a_published_port_through_slirp4netns() => ServesThenDeleteFreesAll("slirp4netns");

    /// <summary>pasta is taken as ready once the container's namespace has its routes, before pasta
    /// itself serves it (src/Native/netwatch.c): the container's very first command finds the
    /// default routes (IPv6 too where the host has a default IPv6 route, as pasta copies it) and
    /// its first connection, to the host's loopback through the gateway (pasta:--map-gw), succeeds
    /// without a retry: frames sent before pasta reads them wait in the tap's queue.</summary>
    [HelperFact("pasta")]
    public void The_first_command_finds_pastas_network_configured_and_reaches_the_host()
    {
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        int port = ((IPEndPoint)server.LocalEndpoint).Port;
        var serving = Task.Run(() =>
        {
            using var c = server.AcceptTcpClient();
            using var st = c.GetStream();
            var buf = new byte[4096];
            st.ReadTimeout = 10000;
            // The whole request first: closing with unread bytes would send a reset, not the reply.
            int have = 0;
            while (!System.Text.Encoding.ASCII.GetString(buf, 0, have).Contains("\r\n\r\n") && have < buf.Length)
            {
                int n = st.Read(buf, have, buf.Length - have);
                if (n == 0) return;
                have += n;
            }
            byte[] reply = System.Text.Encoding.ASCII.GetBytes($"HTTP/1.0 200 OK\r\nContent-Length: {Page.Length + 1}\r\n\r\n{Page}\n");
            st.Write(reply);
            c.Client.Shutdown(SocketShutdown.Send);
        });
        // nc, not wget: busybox-static's wget dies of SIGSEGV for a non-loopback address here (its
        // static getaddrinfo), whatever the network. Bounded by timeout: pasta 2023-03 often loses
        // the host side's FIN of a half-closed connection (with or without rlrun's early readiness),
        // and nc then waits on; the reply has arrived by then.
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c",
            $"cat /proc/net/route /proc/net/ipv6_route; echo ---; printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 4 nc -w 3 $(ip route | awk '/^default/ {{print $3}}') {port}; true"]);
        var r = _s.Rl("run", "--bundle", b.Path, "--network", "pasta:--map-gw", _s.NewId("net-first"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var parts = r.Stdout.Split("---\n");
        Assert.Contains(parts[0].Split('\n'), l => l.Split('\t') is [_, "00000000", _, _, _, _, _, "00000000", ..]);
        Assert.Equal(HasDefaultIpv6(File.ReadAllText("/proc/net/ipv6_route")), HasDefaultIpv6(parts[0]));
        Assert.Contains(Page, parts[1]);
        Assert.True(serving.Wait(TimeSpan.FromSeconds(10)), "the host's server was not reached");
    }

    /// <summary>A default IPv6 route in ipv6_route's text: ::/0, not lo's unreachable one.</summary>
    static bool HasDefaultIpv6(string ipv6Route) => ipv6Route.Split('\n').Any(l =>
        l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var dest, "00", _, _, _, _, _, _, var flags, var dev]
        && dest == new string('0', 32) && dev != "lo" && (Convert.ToUInt32(flags, 16) & 0x200) == 0);

    const string UdpEchoSource = """
        #include <netinet/in.h>
        #include <stdlib.h>
        #include <sys/socket.h>
        int main(int argc, char **argv)
        {
        	int s = socket(AF_INET, SOCK_DGRAM, 0);
        	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
        	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) return 1;
        	char buf[2048];
        	for (;;) {
        		struct sockaddr_in peer;
        		socklen_t len = sizeof(peer);
        		ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &len);
        		if (n > 0) sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&peer, len);
        	}
        }
        """;

    /// <summary>busybox-static has no `nc -u`: a static UDP echo, compiled with gcc (in CI's packages).</summary>
    Bundle UdpEchoBundle()
    {
        var b = _s.NewBundle(["/udpecho", "7777"]);
        string src = Path.Join(_s.Dir, "udpecho.c"), bin = Path.Join(_s.Dir, "udpecho");
        File.WriteAllText(src, UdpEchoSource);
        Proc.Run("gcc", ["-static", "-O2", "-o", bin, src], timeout: TimeSpan.FromSeconds(60)).EnsureSuccess("gcc -static udpecho.c");
        File.Copy(bin, Path.Join(b.Rootfs, "udpecho"));
        File.SetUnixFileMode(Path.Join(b.Rootfs, "udpecho"), (UnixFileMode)0x1ed);
        Host.ChownToUser(Path.Join(b.Rootfs, "udpecho"));
        return b;
    }

    void UdpEchoes(string network)
    {
        int port = FreePort(ProtocolType.Udp);
        string id = _s.NewId("net-udp");
        var r = _s.Rl("run", "-d", "--bundle", UdpEchoBundle().Path, "--network", network, "-p", $"127.0.0.1:{port}:7777/udp", id);
        Assert.True(r.ExitCode == 0, r.ToString());
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Client.ReceiveTimeout = 500;
        string? got = null;
        for (int i = 0; i < 20 && got is null; i++)
        {
            client.Send("ping"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, port));
            try { var from = new IPEndPoint(IPAddress.Any, 0); got = System.Text.Encoding.ASCII.GetString(client.Receive(ref from)); }
            catch (SocketException) { }
        }
        Assert.True(got == "ping", $"no UDP echo through {network} on 127.0.0.1:{port}");
        Assert.True(_s.Rl("delete", "--force", id).ExitCode == 0);
        Assert.Empty(HelpersOf(id));
        WaitUntil(() => PortFree(port, ProtocolType.Udp), $"udp port {port} is free after delete", 3);
    }

    [PastaUdpFact]
    public void Udp_echo_through_pasta() => UdpEchoes("pasta");

    // slirp4netns sends the reply to a loopback client to 10.0.2.2: allowed only with allow_host_loopback.
    [HelperFact("slirp4netns")]
    public void Udp_echo_through_slirp4netns() => UdpEchoes("slirp4netns:allow_host_loopback=true");

    [HelperFact("slirp4netns")]
    public void Udp_through_slirp4netns_without_host_loopback_is_warned_about()
    {
        int port = FreePort(ProtocolType.Udp);
        string id = _s.NewId("net-udpw");
        var r = _s.Rl("run", "-d", "--bundle", UdpEchoBundle().Path, "--network", "slirp4netns", "-p", $"127.0.0.1:{port}:7777/udp", id);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("allow_host_loopback=true", r.Stderr);
    }

    void RefusedLeavingNothing(string network, string publish, string expected)
    {
        string id = _s.NewId("net-refused");
        var r = _s.Rl("run", "-d", "--bundle", HttpdBundle().Path, "--network", network, "-p", publish, id);
        Assert.True(r.ExitCode != 0, $"run with -p {publish} succeeded: {r}");
        Assert.Contains(expected, r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'), l => !l.Contains("warning:"));
        Assert.False(Directory.Exists(_s.StateDir(id)), "a refused run leaves its state dir");
        Assert.Empty(HelpersOf(id));
    }

    [HelperFact("pasta")]
    public void A_taken_port_is_refused_cleanly_with_pasta()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        RefusedLeavingNothing("pasta", $"127.0.0.1:{port}:80", $"host port 127.0.0.1:{port}/tcp is not free");
    }

    [HelperFact("slirp4netns")]
    public void A_taken_port_is_refused_cleanly_with_slirp4netns()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        RefusedLeavingNothing("slirp4netns", $"127.0.0.1:{port}:80", $"host port 127.0.0.1:{port}/tcp is not free");
    }

    [PrivilegedPortFact]
    public void A_privileged_port_is_refused_naming_the_sysctl() =>
        RefusedLeavingNothing(File.Exists("/usr/bin/pasta") ? "pasta" : "slirp4netns", "127.0.0.1:80:80", "net.ipv4.ip_unprivileged_port_start");

    [UserFact]
    public void Bad_network_flags_are_refused_naming_the_flag()
    {
        foreach (var (args, expected) in new (string[], string)[]
        {
            (["--network", "bogus"], "--network \"bogus\": expected none, host, private, slirp4netns"),
            (["--network", "bridge"], "rlrun has no bridge networks"),
            (["-p", "1.2.3:18080:80"], "-p \"1.2.3:18080:80\": \"1.2.3\" is not an IP address"),
            (["--dns", "5"], "--dns \"5\": not an IP address"),
            (["-p", "80"], "-p \"80\""),
            (["-p", "127.0.0.1:8080:80/sctp"], "sctp"),
            (["--network", "none", "-p", "18080:80"], "-p needs --network pasta or slirp4netns"),
            (["--network", "container:it-net-missing"], "container it-net-missing does not exist"),
            (["--network", "slirp4netns:bogus=1"], "unknown slirp4netns option"),
        })
        {
            string id = _s.NewId("net-bad");
            var r = _s.Rl(["run", "-d", "--bundle", HttpdBundle().Path, .. args, id]);
            Assert.True(r.ExitCode != 0, $"{string.Join(' ', args)} was accepted: {r}");
            Assert.Contains(expected, r.Stderr);
            Assert.False(Directory.Exists(_s.StateDir(id)), $"{string.Join(' ', args)} left a state dir");
        }
    }

    [HelperFact("pasta")]
    public void Kill_9_of_rlrun_leaves_no_helper_once_delete_ran()
    {
        int port = FreePort();
        string id = _s.NewId("net-kill-rl");
        var fg = _s.StartRl(["run", "--bundle", HttpdBundle().Path, "--network", "pasta", "-p", $"127.0.0.1:{port}:80", id]);
        WaitUntil(() => Curl(port).Stdout.Contains(Page), "the foreground container serves");
        var helpers = HelpersOf(id);
        Assert.NotEmpty(helpers);
        Host.Signal(fg.Pid, Host.SIGKILL);
        fg.Wait(TimeSpan.FromSeconds(10));
        // rlrun is gone, the container and its network are not: it is not rlrun's to lose.
        Assert.Contains(Page, Curl(port).Stdout);
        Assert.True(_s.Rl("delete", "--force", id).ExitCode == 0);
        // Unable to act, not necessarily out of the process table (see ServesThenDeleteFreesAll).
        foreach (int pid in helpers) Assert.True(Host.CannotAct(pid), $"process {pid} can still act after delete");
        Assert.True(PortFree(port), $"port {port} is still held right after delete");
    }

    [HelperFact("slirp4netns")]
    public void Kill_9_of_the_container_stops_its_helper_without_delete()
    {
        int port = FreePort();
        string id = _s.NewId("net-kill-c");
        var r = _s.Rl("run", "-d", "--bundle", HttpdBundle().Path, "--network", "slirp4netns", "-p", $"127.0.0.1:{port}:80", id);
        Assert.True(r.ExitCode == 0, r.ToString());
        int init = _s.State(id)["pid"]!.GetValue<int>();
        var helpers = HelpersOf(id);
        Assert.NotEmpty(helpers);
        Host.Signal(init, Host.SIGKILL);
        WaitUntil(() => helpers.All(Host.ProcessGone), "the watcher stops the helper when the init dies", 5);
        WaitUntil(() => PortFree(port), $"port {port} is free once the container died", 3);
    }

    [HelperFact("pasta")]
    public void A_container_shares_another_ones_network()
    {
        int port = FreePort();
        string web = _s.NewId("net-web");
        var r = _s.Rl("run", "-d", "--bundle", HttpdBundle().Path, "--network", "pasta", "-p", $"127.0.0.1:{port}:80", web);
        Assert.True(r.ExitCode == 0, r.ToString());
        WaitUntil(() => Curl(port).Stdout.Contains(Page), "the first container serves");
        // The second one reaches the first's httpd on its own loopback: one network namespace.
        var client = _s.NewBundle(["/bin/busybox", "sh", "-c", "readlink /proc/self/ns/net; wget -q -O - http://127.0.0.1:80/"]);
        var c = _s.Rl("run", "--bundle", client.Path, "--network", $"container:{web}", _s.NewId("net-joiner"));
        Assert.True(c.ExitCode == 0, c.ToString());
        Assert.Contains(Page, c.Stdout);
        Assert.Equal(NetNs(_s.State(web)["pid"]!.GetValue<int>()), c.Stdout.Split('\n')[0]);
    }

    /// <summary>/proc/PID/ns/net's link, net:[INODE]: the same for every process of one network namespace.</summary>
    static string NetNs(int pid) => new FileInfo($"/proc/{pid}/ns/net").LinkTarget!;

    /// <summary>ns:PATH of a network namespace the test makes, as `ip netns` keeps them: unshare as the
    /// test user (a user namespace of its own, which owns the new network namespace), a server on its
    /// loopback, and, as root, a bind of /proc/PID/ns/net on a file. The container's process is in
    /// that namespace (same inode) and reaches the server on its loopback.</summary>
    [UserFact]
    public void Ns_path_joins_a_network_namespace_the_test_made()
    {
        string www = Path.Join(_s.Dir, "nswww");
        Directory.CreateDirectory(www);
        File.WriteAllText(Path.Join(www, "index.html"), Page + "\n");
        Host.ChownToUser(www);
        var holder = Proc.Start(Host.AsUser("/usr/bin/unshare", ["--user", "--map-root-user", "--net", "/bin/busybox", "sh", "-c",
            $"/bin/busybox ip link set lo up && exec /bin/busybox httpd -f -p 127.0.0.1:8080 -h {www}"]));
        string? bound = null;
        try
        {
            WaitUntil(() => File.Exists($"/proc/{holder.Pid}/ns/net") && NetNs(holder.Pid) != NetNs(Environment.ProcessId), "the holder's own network namespace");
            string path = $"/proc/{holder.Pid}/ns/net";
            if (Host.IsRoot)
            {
                bound = Path.Join(_s.Dir, "netns");
                File.WriteAllText(bound, "");
                Proc.Run("mount", ["--bind", path, bound]).EnsureSuccess("mount --bind the holder's netns");
                path = bound;
            }
            var b = _s.NewBundle(["/bin/busybox", "sh", "-c", "readlink /proc/self/ns/net; for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O - http://127.0.0.1:8080/ && exit 0; sleep 0.2; done; exit 1"]);
            var r = _s.Rl("run", "--bundle", b.Path, "--network", $"ns:{path}", _s.NewId("net-ns"));
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal(NetNs(holder.Pid), r.Stdout.Split('\n')[0]);
            Assert.Contains(Page, r.Stdout);
        }
        finally
        {
            if (bound is not null) Proc.Run("umount", [bound]);
            holder.Dispose();
        }
    }

    [UserFact]
    public void Ns_path_of_a_file_that_is_no_namespace_is_refused_naming_it()
    {
        string file = Path.Join(_s.Dir, "not-a-netns");
        File.WriteAllText(file, "");
        string id = _s.NewId("net-nsbad");
        var r = _s.Rl("run", "-d", "--bundle", HttpdBundle().Path, "--network", $"ns:{file}", id);
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Contains($"--network ns:{file}: not a namespace file", r.Stderr);
        Assert.False(Directory.Exists(_s.StateDir(id)), "a refused run leaves its state dir");
    }

    /// <summary>--network host: no network namespace of its own; a server the container binds on the
    /// loopback is the host's, reached from here without any helper.</summary>
    [UserFact]
    public void Host_network_a_loopback_server_in_the_container_is_reachable_from_the_host()
    {
        int port = FreePort();
        string id = _s.NewId("net-host");
        var b = WithPage(_s.NewBundle(["/bin/busybox", "httpd", "-f", "-p", $"127.0.0.1:{port}", "-h", "/www"]));
        var r = _s.Rl("run", "-d", "--bundle", b.Path, "--network", "host", id);
        Assert.True(r.ExitCode == 0, r.ToString());
        WaitUntil(() => Curl(port).Stdout.Contains(Page), $"the container's httpd on the host's 127.0.0.1:{port}");
        Assert.Equal(NetNs(Environment.ProcessId), NetNs(_s.State(id)["pid"]!.GetValue<int>()));
        Assert.Empty(HelpersOf(id));
        Assert.Equal("host", NetworkState(id)["mode"]!.GetValue<string>());
    }

    [UserFact]
    public void Dns_and_add_host_are_in_the_containers_resolv_conf_and_hosts()
    {
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", "cat /etc/resolv.conf; echo ---; cat /etc/hosts; echo ---; hostname"]);
        var r = _s.Rl("run", "--bundle", b.Path, "--network", "none", "--dns", "192.0.2.53", "--dns", "192.0.2.54",
            "--add-host", "db.example:192.0.2.10", "--add-host", "cache:192.0.2.11", _s.NewId("net-dns"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var parts = r.Stdout.Split("---\n");
        Assert.Equal("nameserver 192.0.2.53\nnameserver 192.0.2.54\n", parts[0]);
        var hosts = parts[1].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("127.0.0.1\tlocalhost", hosts);
        Assert.Contains("192.0.2.10\tdb.example", hosts);
        Assert.Contains("192.0.2.11\tcache", hosts);
        Assert.Contains($"127.0.1.1\t{parts[2].Trim()}", hosts); // the container's hostname
        // The bundle's own files are untouched: the container's are binds from its state dir.
        string own = Path.Join(b.Rootfs, "etc", "resolv.conf");
        Assert.False(File.Exists(own) && File.ReadAllText(own).Contains("192.0.2.53"), "the bundle's resolv.conf was written");
    }
}

/// <summary>UserFact, and the helper is installed.</summary>
public sealed class HelperFactAttribute : FactAttribute
{
    public HelperFactAttribute(string helper)
    {
        if (!Host.Unprivileged) Skip = "requires an unprivileged user: the tests run as root and RLRUN_TEST_USER is not set";
        else if (!File.Exists($"/usr/bin/{helper}")) Skip = $"/usr/bin/{helper} is missing (apt-get install {(helper == "pasta" ? "passt" : helper)})";
    }
}

/// <summary>UserFact for UDP through pasta, which Debian 12's passt does not do: its reply to a
/// client on the host's loopback never arrives (seen with passt 0.0~git20230309.7c7625d-1; the
/// container receives and answers; the same with pasta run by hand, `pasta -u 127.0.0.1/P:7777`
/// attached to an unshare'd namespace with a UDP echo: rlrun is not in the way). Skipped on
/// exactly that version; slirp4netns's UDP test covers the item.</summary>
public sealed class PastaUdpFactAttribute : FactAttribute
{
    public const string BrokenVersion = "0.0~git20230309.7c7625d-1";

    public PastaUdpFactAttribute()
    {
        if (!Host.Unprivileged) Skip = "requires an unprivileged user: the tests run as root and RLRUN_TEST_USER is not set";
        else if (!File.Exists("/usr/bin/pasta")) Skip = "/usr/bin/pasta is missing (apt-get install passt)";
        else if (InstalledPasst() == BrokenVersion)
            Skip = $"passt {BrokenVersion} (dpkg-query) drops UDP replies to a loopback client of a published port";
    }

    static string? InstalledPasst()
    {
        var r = Proc.Run("dpkg-query", ["-W", "-f=${Version}", "passt"], timeout: TimeSpan.FromSeconds(10));
        return r.ExitCode == 0 ? r.Stdout.Trim() : null;
    }
}

/// <summary>UserFact where port 80 is privileged (net.ipv4.ip_unprivileged_port_start above 80).</summary>
public sealed class PrivilegedPortFactAttribute : FactAttribute
{
    public PrivilegedPortFactAttribute()
    {
        const string sysctl = "/proc/sys/net/ipv4/ip_unprivileged_port_start";
        if (!Host.Unprivileged) Skip = "requires an unprivileged user: the tests run as root and RLRUN_TEST_USER is not set";
        else if (!File.Exists("/usr/bin/pasta") && !File.Exists("/usr/bin/slirp4netns")) Skip = "neither pasta nor slirp4netns is installed";
        else if (int.TryParse(File.ReadAllText(sysctl).Trim(), out int start) && start <= 80)
            Skip = $"net.ipv4.ip_unprivileged_port_start is {start}: port 80 is not privileged here";
    }
}
