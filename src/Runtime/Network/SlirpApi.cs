using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Rlrun.Runtime.Network;

/// <summary>slirp4netns's API socket: one JSON request per connection. Published ports are added
/// with add_hostfwd (slirp4netns has no port option on its command line).</summary>
public static class SlirpApi
{
    public static void AddHostForward(string socketPath, PortMapping p, int hostPort, int containerPort)
    {
        var request = new JsonObject
        {
            ["execute"] = "add_hostfwd",
            ["arguments"] = new JsonObject
            {
                ["proto"] = p.Protocol, ["host_addr"] = p.BindAddress, ["host_port"] = hostPort, ["guest_port"] = containerPort,
            },
        };
        string answer = Call(socketPath, request.ToJsonString());
        if (!answer.Contains("\"return\""))
            throw new NetworkSetupException($"-p {p}: slirp4netns could not forward {p.BindAddress}:{hostPort}/{p.Protocol}: {answer.Trim()}");
    }

    static string Call(string socketPath, string json)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.ReceiveTimeout = 5000;
        s.SendTimeout = 5000;
        s.Connect(new UnixDomainSocketEndPoint(socketPath));
        s.Send(Encoding.UTF8.GetBytes(json));
        s.Shutdown(SocketShutdown.Send);
        var sb = new StringBuilder();
        var buf = new byte[4096];
        int n;
        while ((n = s.Receive(buf)) > 0) sb.Append(Encoding.UTF8.GetString(buf, 0, n));
        return sb.ToString();
    }
}
