namespace Rlrun.Runtime.Network;

/// <summary>A helper's command line for a container's init PID. pasta runs in the foreground and
/// says it is ready by writing its pid file; slirp4netns by writing to its ready fd (4, given by
/// the watcher); slirp4netns's ports are added afterwards through its API socket.
/// <paramref name="ReadyWhenConfigured"/>: the watcher may say ready sooner, once the container's
/// namespace has the routes pasta --config-net gives it (src/Native/netwatch.c, netconf_done): only
/// with rlrun's own options, whose order of work in pasta 2023-03 is known (ports bound, then the
/// namespace configured, then 100-300 ms of buffer set-up, then the pid file).</summary>
public sealed record HelperCommand(string Path, IReadOnlyList<string> Args, string? PidFile, string? ApiSocket, bool ReadyWhenConfigured = false)
{
    public const string PidFileName = "network-helper.pid", ApiSocketName = "slirp4netns.sock";
    /// <summary>Not a pasta option: asks for pasta's default, the gateway address reaching the host.</summary>
    public const string PastaMapGw = "--map-gw";

    public static HelperCommand Pasta(string path, NetworkRequest r, int initPid, string stateDir)
    {
        string pidFile = System.IO.Path.Join(stateDir, PidFileName);
        var args = new List<string> { "pasta", "-f", "-q", "--config-net", "--pid", pidFile };
        var tcp = r.Ports.Where(p => p.Protocol == "tcp").ToList();
        var udp = r.Ports.Where(p => p.Protocol == "udp").ToList();
        // Without -t/-u pasta forwards every port bound in the namespace ("auto"): only what -p asks.
        AddPorts(args, "-t", tcp);
        AddPorts(args, "-u", udp);
        args.AddRange(["-T", "none", "-U", "none"]);
        var user = r.Mode.Options.ToList();
        // The host's loopback only where asked (podman's allow_host_loopback for pasta).
        if (!user.Remove(PastaMapGw)) args.Add("--no-map-gw");
        args.AddRange(user);
        args.Add(initPid.ToString());
        // A user's own pasta options may change what it configures (-4, -6, -g, --no-config-net...): the pid file then.
        return new HelperCommand(path, args, pidFile, null, ReadyWhenConfigured: user.Count == 0);
    }

    static void AddPorts(List<string> args, string flag, List<PortMapping> ports)
    {
        if (ports.Count == 0) { args.AddRange([flag, "none"]); return; }
        foreach (var p in ports)
        {
            string range(int s) => p.Count == 1 ? $"{s}" : $"{s}-{s + p.Count - 1}";
            args.AddRange([flag, $"{(p.HostIp is null ? "" : p.HostIp + "/")}{range(p.HostPort)}:{range(p.ContainerPort)}"]);
        }
    }

    public static HelperCommand Slirp4netns(string path, NetworkRequest r, int initPid, string stateDir)
    {
        string api = System.IO.Path.Join(stateDir, ApiSocketName);
        var o = r.Mode.Options;
        var args = new List<string> { "slirp4netns", "--configure", $"--mtu={SlirpOptions.Mtu(o)}", "--ready-fd=4", "--api-socket", api };
        if (!SlirpOptions.AllowHostLoopback(o)) args.Add("--disable-host-loopback");
        if (SlirpOptions.EnableIpv6(o)) args.Add("--enable-ipv6");
        args.AddRange([initPid.ToString(), "tap0"]);
        return new HelperCommand(path, args, null, api);
    }
}
