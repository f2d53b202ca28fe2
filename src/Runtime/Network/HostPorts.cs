namespace Rlrun.Runtime.Network;

/// <summary>Whether a stopped helper's published host ports are still held: a TCP listener or a UDP
/// socket on one of them in this process's network namespace (/proc/self/net). A helper killed
/// with SIGKILL takes 20-40 ms to finish dying (pasta's exit closes its tap, whose unregistration
/// waits for RCU); what a caller can observe of it meanwhile is only its ports, so those are what
/// delete waits for.</summary>
public static class HostPorts
{
    /// <summary>The host ports of NetworkState.Ports (its -p specs); null where one does not parse.</summary>
    public static List<(int Port, string Protocol)>? Of(IEnumerable<string>? specs)
    {
        var ports = new List<(int, string)>();
        try
        {
            foreach (string spec in specs ?? [])
            {
                var p = PortMapping.Parse(spec);
                foreach (var (host, _) in p.Pairs()) ports.Add((host, p.Protocol));
            }
        }
        catch (ArgumentException) { return null; }
        return ports;
    }

    /// <summary>Whether process PID's network namespace is this process's: only then does
    /// /proc/self/net show its sockets. False where it cannot be read.</summary>
    public static bool SameNetworkNamespace(int pid)
    {
        try
        {
            string? theirs = pid > 0 ? new FileInfo($"/proc/{pid}/ns/net").LinkTarget : null;
            return theirs is not null && theirs == new FileInfo("/proc/self/ns/net").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    public static bool AnyHeld(List<(int Port, string Protocol)> ports)
    {
        if (ports.Count == 0) return false;
        var tcp = ports.Where(p => p.Protocol == "tcp").Select(p => p.Port).ToHashSet();
        var udp = ports.Where(p => p.Protocol == "udp").Select(p => p.Port).ToHashSet();
        return (tcp.Count > 0 && (Held("tcp", tcp, listenOnly: true) || Held("tcp6", tcp, listenOnly: true)))
            || (udp.Count > 0 && (Held("udp", udp, listenOnly: false) || Held("udp6", udp, listenOnly: false)));
    }

    /// <summary>/proc/self/net/FILE: "sl local_address rem_address st ...", the address as
    /// HEXIP:HEXPORT; TCP state 0A is LISTEN (a closed listener leaves nothing, and TIME_WAIT
    /// connections do not stop a listener with SO_REUSEADDR, as pasta and slirp4netns bind).</summary>
    static bool Held(string file, HashSet<int> ports, bool listenOnly)
    {
        IEnumerable<string> lines;
        try { lines = File.ReadLines($"/proc/self/net/{file}").Skip(1).ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
        foreach (string line in lines)
        {
            var f = line.Split(' ', 5, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 4) continue;
            int colon = f[1].LastIndexOf(':');
            if (colon < 0 || !int.TryParse(f[1][(colon + 1)..], System.Globalization.NumberStyles.HexNumber, null, out int port)) continue;
            if (ports.Contains(port) && (!listenOnly || f[3] == "0A")) return true;
        }
        return false;
    }
}
