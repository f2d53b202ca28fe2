using System.Text.Json;

namespace Rlrun.Runtime.Daemon;

/// <summary>What a daemon's record (ROOT/.supervised/ID.json) says of how the container is run: its
/// restart policy, bundle, --no-pivot and network flags. For commands that must know without asking
/// a daemon (generate systemd); the record itself is the supervision's (Rlrun.Actors.SupervisionRecord).</summary>
public sealed record SupervisedSpec(string Policy, string Bundle, bool NoPivot, Network.NetworkArgs? Network = null)
{
    /// <summary>null when the container has no record.</summary>
    /// <exception cref="IOException">the record is unreadable or lacks a field (the message names the file)</exception>
    public static SupervisedSpec? Read(string root, string id)
    {
        string path = DaemonPaths.Record(root, id);
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var r = doc.RootElement;
            var spec = r.GetProperty("spec");
            var network = spec.TryGetProperty("network", out var n) && n.ValueKind == JsonValueKind.Object
                ? n.Deserialize(DaemonJsonContext.Default.NetworkArgs) : null;
            return new SupervisedSpec(r.GetProperty("policy").GetString()!, spec.GetProperty("bundle").GetString()!,
                spec.TryGetProperty("noPivot", out var p) && p.ValueKind == JsonValueKind.True, network);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FileNotFoundException)
        {
            throw new IOException($"{path}: unreadable supervision record: {e.Message}");
        }
    }
}
