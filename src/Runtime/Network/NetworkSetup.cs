using Rlrun.Runtime.Host;

namespace Rlrun.Runtime.Network;

/// <summary>The container side of networking, once its init exists (its namespaces are made) and
/// before its process runs: checks the ports, starts the helper, publishes the ports. Returns what
/// state.json records; on failure nothing of it stays running.</summary>
public static class NetworkSetup
{
    /// <param name="hostRoot">root in the host's user namespace: privileged ports are allowed</param>
    public static NetworkState? Start(NetworkRequest request, int initPid, string stateDir, bool hostRoot, Action<string>? debug, Action<string>? warn = null) =>
        Begin(request, initPid, stateDir, hostRoot, debug, warn).Finish(debug);

    /// <summary>Checks the ports and starts the helper without waiting for it: create calls this as
    /// soon as the init's network namespace exists, and <see cref="PendingNetwork.Finish"/> once
    /// the init is set up, so the helper's start-up (pasta's 100 ms and more) overlaps the
    /// root's. The caller ends it with Finish or, on failure, Abandon.</summary>
    public static PendingNetwork Begin(NetworkRequest request, int initPid, string stateDir, bool hostRoot, Action<string>? debug, Action<string>? warn = null)
    {
        var ports = request.Ports.Select(p => p.ToString()).ToList();
        if (!request.Mode.UsesHelper)
            return new PendingNetwork(request, new NetworkState { Mode = request.Mode.ToString() }, null, null);
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
        var helper = HelperProcess.Spawn(cmd, initPid, stateDir, request.Mode.ToString());
        return new PendingNetwork(request, null, cmd, helper) { Ports = ports.Count > 0 ? ports : null };
    }
}

/// <summary>A container's network between <see cref="NetworkSetup.Begin"/> and its helper's
/// readiness.</summary>
public sealed class PendingNetwork
{
    readonly NetworkRequest _request;
    readonly NetworkState? _done;
    readonly HelperCommand? _cmd;
    HelperProcess.PendingHelper? _helper;
    internal List<string>? Ports { get; init; }

    internal PendingNetwork(NetworkRequest request, NetworkState? done, HelperCommand? cmd, HelperProcess.PendingHelper? helper)
    {
        _request = request;
        _done = done;
        _cmd = cmd;
        _helper = helper;
    }

    /// <summary>Waits until the helper is ready and publishes the ports; on failure the helper is
    /// stopped before this throws.</summary>
    public NetworkState Finish(Action<string>? debug)
    {
        if (_helper is not { } pending) return _done ?? throw new InvalidOperationException("network: finished twice");
        _helper = null;
        var state = pending.WaitReady();
        state.Ports = Ports;
        try
        {
            if (_cmd!.ApiSocket is { } api)
                foreach (var p in _request.Ports)
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

    /// <summary>The container failed before Finish: the helper, if one started, is stopped and gone.</summary>
    public void Abandon()
    {
        _helper?.Abandon();
        _helper = null;
    }
}
