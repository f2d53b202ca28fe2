namespace Rlrun.Runtime.Network;

/// <summary>state.json's "network": what delete and the daemon need to stop the helper or find it
/// again. The PIDs come with their /proc start times, so a reused PID is never signalled.</summary>
public sealed class NetworkState
{
    public string Mode { get; set; } = "";
    public List<string>? Ports { get; set; }
    public int WatcherPid { get; set; }
    public ulong WatcherStartTime { get; set; }
    public int HelperPid { get; set; }
    public ulong HelperStartTime { get; set; }
    public string? ApiSocket { get; set; }
}
