using System.Text.Json;

namespace Rlrun.Runtime.State;

/// <summary>The runtime spec's state object, as hooks get it on stdin.</summary>
public static class OciState
{
    public static byte[] Json(string id, string status, int pid, string bundle, IReadOnlyDictionary<string, string>? annotations)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = GoJsonEncoder.Instance })) // as runc's hooks get it
        {
            w.WriteStartObject();
            w.WriteString("ociVersion", "1.2.0");
            w.WriteString("id", id);
            w.WriteString("status", status);
            w.WriteNumber("pid", pid);
            w.WriteString("bundle", bundle);
            w.WriteStartObject("annotations");
            foreach (var (k, v) in annotations ?? new Dictionary<string, string>()) w.WriteString(k, v);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    public static byte[] Json(ContainerState s, string status) => Json(s.Id, status, s.Pid, s.Bundle, s.Annotations);
}
