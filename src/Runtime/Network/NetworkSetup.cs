using Rlrun.Runtime.Host;

namespace Rlrun.Runtime.Network;

/// <summary>The container side of networking, once its init exists (its namespaces are made) and
/// before its process runs: checks the ports, starts the helper, publishes the ports. Returns what
/// state.json records; on failure nothing of it stays running.</summary>
public static class NetworkSetup
{
    /// <param name="hostRoot">root in the host's user namespace: privileged ports are allowed</param>
    public static NetworkState? Start(NetworkRequest request, int initPid, string stateDir, bool hostRoot, Action<string>? debug, Action<string>? warn = null)
    {
        var ports = request.Ports.Select(p => p.ToString()).ToList();
        if (!request.Mode.UsesHelper)
            return new NetworkState { Mode = request.Mode.ToString() };
        PortPreflight.Check(request.Ports, hostRoot);
        // Seen with slirp4netns 1.2.0: the reply to a client on the host's loopback goes to 10.0.2.2,
        // which --disable-host-loopback drops, so such a client never hears back.
        if (request.Mode.Kind == NetworkMode.Slirp4netns && !SlirpOptions.AllowHostLoopback(request.Mode.Options)
            && request.Ports.Any(p => p.Protocol == "udp"))
            warn?.Invoke("--network slirp4netns: replies to UDP clients on the host's loopback are dropped unless the container may reach it (--network slirp4netns:allow_host_loopback=true)");
        var facts = NetworkHelperFacts.Gather();
        HelperCommand cmd = request.Mode.Kind == NetworkMode.Pasta
            ? HelperCommand.Pasta(facts.Pasta ?? throw new NetworkSetupException("--network pasta: pasta is not installed (Debian's package passt)"), request, initPid, stateDir)
            : HelperCommand.Slirp4netns(facts.Slirp4netns ?? throw new NetworkSetupException("--network slirp4netns: slirp4netns is not installed"), request, initPid, stateDir);
        debug?.Invoke($"network helper: {string.Join(' ', cmd.Args)}");
        var state = HelperProcess.Start(cmd, initPid, stateDir, request.Mode.ToString());
        state.Ports = ports.Count > 0 ? ports : null;
        try
        {
            if (cmd.ApiSocket is { } api)
                foreach (var p in request.Ports)
                    foreach (var (h, c) in p.Pairs())
                        SlirpApi.AddHostForward(api, p, h, c);
        }
        catch
        {
            HelperProcess.Stop(state);
            throw;
        }
        debug?.Invoke($"network helper ready: watcher {state.WatcherPid}, helper {state.HelperPid}");
        return state;
    }
}
