using System.Text;
using System.Text.Json;

namespace Rlrun.Cli;

/// <summary>runc's logging: errors always to stderr; with --log also to that file, as logrus text
/// (time="..." level=error msg="...") or, with --log-format json, one JSON object a line, which
/// podman and containerd's shim read back for the error message. Warnings and debug lines go to
/// the file alone when there is one: under containerd's runc shim, create's stderr is the
/// container's own stderr (its CRI log), where a runtime's warning does not belong.</summary>
public sealed class RuntimeLog(string? path, bool json, bool debug)
{
    public bool DebugEnabled => debug;

    // Debug lines carry the time since Main began (DebugClock): where a slow create spends its time.
    public void Debug(string message)
    {
        if (!debug) return;
        string line = $"[{Runtime.Process.DebugClock.Now,6:0.0}ms] {message}";
        if (path is null) Console.Error.WriteLine($"rlrun: debug: {line}");
        else Append("debug", line);
    }

    public void Warn(string message)
    {
        if (path is null) Console.Error.WriteLine($"rlrun: warning: {message}");
        else Append("warning", message);
    }

    public void Error(string message)
    {
        Console.Error.WriteLine($"rlrun: {message}");
        if (path is not null) Append("error", message);
    }

    void Append(string level, string message)
    {
        string time = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ");
        string line;
        if (json)
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms))
            {
                w.WriteStartObject();
                w.WriteString("level", level);
                w.WriteString("msg", message);
                w.WriteString("time", time);
                w.WriteEndObject();
            }
            line = Encoding.UTF8.GetString(ms.ToArray());
        }
        else line = $"time=\"{time}\" level={level} msg=\"{message.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"";
        try { File.AppendAllText(path!, line + "\n"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"rlrun: cannot write the log {path}: {e.Message}");
        }
    }
}
