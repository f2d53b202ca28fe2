using System.Text.Json;

namespace Rlrun.Runtime.Cgroups;

/// <summary>A container's resource usage from its cgroup v2 files, written in runc's `events`
/// stats layout (cpu, memory, pids, blkio), so tools that read runc's output read ours.</summary>
public static class CgroupStats
{
    public static void Write(Utf8JsonWriter w, string dir)
    {
        var cpu = KeyValues(dir, "cpu.stat");
        var mem = KeyValues(dir, "memory.stat");
        var memEvents = KeyValues(dir, "memory.events");
        w.WriteStartObject();
        w.WriteStartObject("cpu");
        w.WriteStartObject("usage");
        w.WriteNumber("total", Get(cpu, "usage_usec") * 1000);
        w.WriteNumber("kernel", Get(cpu, "system_usec") * 1000);
        w.WriteNumber("user", Get(cpu, "user_usec") * 1000);
        w.WriteEndObject();
        w.WriteStartObject("throttling");
        w.WriteNumber("periods", Get(cpu, "nr_periods"));
        w.WriteNumber("throttled_periods", Get(cpu, "nr_throttled"));
        w.WriteNumber("throttled_time", Get(cpu, "throttled_usec") * 1000);
        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteStartObject("memory");
        w.WriteNumber("cache", Get(mem, "file"));
        Usage(w, "usage", Number(dir, "memory.current"), Limit(dir, "memory.max"), Number(dir, "memory.peak"), Get(memEvents, "max"));
        Usage(w, "swap", Number(dir, "memory.swap.current"), Limit(dir, "memory.swap.max"), Number(dir, "memory.swap.peak"), Get(KeyValues(dir, "memory.swap.events"), "max"));
        w.WriteStartObject("raw");
        foreach (var (k, v) in mem) w.WriteNumber(k, v);
        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteStartObject("pids");
        w.WriteNumber("current", Number(dir, "pids.current"));
        ulong pidsMax = Limit(dir, "pids.max");
        w.WriteNumber("limit", pidsMax == ulong.MaxValue ? 0 : pidsMax);
        w.WriteEndObject();

        w.WriteStartObject("blkio");
        w.WriteStartArray("io_service_bytes_recursive");
        var ios = new List<(uint, uint, string, ulong)>();
        foreach (var line in Lines(dir, "io.stat"))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0) continue;
            var dev = f[0].Split(':');
            if (dev.Length != 2 || !uint.TryParse(dev[0], out uint major) || !uint.TryParse(dev[1], out uint minor)) continue;
            foreach (var kv in f.Skip(1))
            {
                var p = kv.Split('=');
                if (p.Length != 2 || !ulong.TryParse(p[1], out ulong value)) continue;
                string? op = p[0] switch { "rbytes" => "Read", "wbytes" => "Write", _ => null };
                if (op is null) continue;
                w.WriteStartObject();
                w.WriteNumber("major", major); w.WriteNumber("minor", minor);
                w.WriteString("op", op); w.WriteNumber("value", value);
                w.WriteEndObject();
            }
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    static void Usage(Utf8JsonWriter w, string name, ulong usage, ulong limit, ulong max, ulong failcnt)
    {
        w.WriteStartObject(name);
        w.WriteNumber("usage", usage);
        w.WriteNumber("max", max);
        w.WriteNumber("limit", limit);
        w.WriteNumber("failcnt", failcnt);
        w.WriteEndObject();
    }

    /// <summary>The OOM kills so far (memory.events oom_kill), 0 without the memory controller.</summary>
    public static ulong OomKills(string dir) => Get(KeyValues(dir, "memory.events"), "oom_kill");

    static IEnumerable<string> Lines(string dir, string file)
    {
        try { return File.ReadAllLines(Path.Join(dir, file)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    public static Dictionary<string, ulong> KeyValues(string dir, string file)
    {
        var d = new Dictionary<string, ulong>();
        foreach (var line in Lines(dir, file))
        {
            var f = line.Split(' ', 2);
            if (f.Length == 2 && ulong.TryParse(f[1], out ulong v)) d[f[0]] = v;
        }
        return d;
    }

    static ulong Get(Dictionary<string, ulong> d, string key) => d.TryGetValue(key, out ulong v) ? v : 0;

    static ulong Number(string dir, string file) =>
        Lines(dir, file).FirstOrDefault() is { } s && ulong.TryParse(s.Trim(), out ulong v) ? v : 0;

    static ulong Limit(string dir, string file) =>
        Lines(dir, file).FirstOrDefault()?.Trim() switch { "max" => ulong.MaxValue, { } s when ulong.TryParse(s, out ulong v) => v, _ => 0 };
}
