using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Rlrun.IntegrationTests.Harness;

/// <summary>What the network tests look at from the host: free loopback ports, curl of a published
/// port, the helpers (pasta, slirp4netns and their watchers) of a container's state dir.</summary>
public static class Loopback
{
    /// <summary>A loopback port nothing holds now (the kernel's pick, released).</summary>
    public static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    public static bool PortFree(int port)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try { s.Bind(new IPEndPoint(IPAddress.Loopback, port)); return true; }
        catch (SocketException) { return false; }
    }

    public static ProcResult Curl(int port, string path = "/") =>
        Proc.Run("/usr/bin/curl", ["-sS", "--max-time", "3", $"http://127.0.0.1:{port}{path}"], timeout: TimeSpan.FromSeconds(10));

    /// <summary>state.json's "network" of the container whose state dir is DIR (null: none recorded).</summary>
    public static JsonObject? NetworkState(string dir)
    {
        try { return JsonNode.Parse(File.ReadAllText(Path.Join(dir, "state.json")))?["network"]?.AsObject(); }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException) { return null; }
    }

    /// <summary>Processes (of anyone) whose command line names DIR and that can still act (see
    /// Host.CannotAct): the helpers and their watchers (pasta's pid file, slirp4netns's API socket
    /// live in the state dir).</summary>
    public static List<int> HelpersOf(string dir)
    {
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
}
