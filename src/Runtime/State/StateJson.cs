using System.Text.Json;
using Rlrun.Runtime.Cgroups;
using Rlrun.Runtime.Network;
using Rlrun.Runtime.Spec;

namespace Rlrun.Runtime.State;

/// <summary>state.json, read and written by hand with Utf8JsonReader/Utf8JsonWriter. Every call the
/// runc shim makes (start, kill, delete, state) reads it, and in a NativeAOT process System.Text.Json's
/// first use of a JsonTypeInfo builds its metadata through reflection: a third of what `kill` or
/// `delete` did after Main. The bytes are those System.Text.Json wrote with the options rlrun used
/// (camelCase, nulls left out, indented; StateJsonTests keeps the two equal through a context of
/// its own), and it reads what that context reads: unknown fields skipped, a null where an object or string may be.
/// Strings are escaped as runc's Go encoder escapes them (<see cref="GoJsonEncoder"/>): non-ASCII as UTF-8.</summary>
public static class StateJson
{
    public static byte[] Serialize(ContainerState s, bool indented = true)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, Encoder = GoJsonEncoder.Instance })) Write(w, s);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>`list --format json`: runc's containerState for each container (its fields in its
    /// order, annotations left out when there are none), compact, as runc's encoder writes it.</summary>
    public static byte[] SerializeList(IEnumerable<ContainerState> states)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = GoJsonEncoder.Instance }))
        {
            w.WriteStartArray();
            foreach (var s in states)
            {
                w.WriteStartObject();
                w.WriteString("ociVersion", s.OciVersion);
                w.WriteString("id", s.Id);
                w.WriteNumber("pid", s.Pid);
                w.WriteString("status", s.Status);
                w.WriteString("bundle", s.Bundle);
                w.WriteString("rootfs", s.Rootfs);
                w.WriteString("created", s.Created);
                if (s.Annotations is { Count: > 0 } annotations)
                {
                    w.WriteStartObject("annotations");
                    foreach (var (k, v) in annotations) WriteStringValue(w, k, v);
                    w.WriteEndObject();
                }
                w.WriteString("owner", s.Owner);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <exception cref="JsonException">not JSON, or a field of the wrong type</exception>
    public static ContainerState Deserialize(ReadOnlySpan<byte> json)
    {
        var r = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            r.Read();
            var s = ReadState(ref r) ?? throw new JsonException("the document is null, expected an object");
            if (r.Read()) throw new JsonException("more than one JSON document");
            return s;
        }
        // The reader's own errors are JsonException; a wrong token type is InvalidOperationException,
        // a number out of range FormatException: all three are a corrupt file to the caller.
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new JsonException($"{e.Message} (at byte {r.TokenStartIndex})", e);
        }
    }

    static void Write(Utf8JsonWriter w, ContainerState s)
    {
        w.WriteStartObject();
        WriteString(w, "ociVersion", s.OciVersion);
        WriteString(w, "id", s.Id);
        WriteString(w, "status", s.Status);
        w.WriteNumber("pid", s.Pid);
        WriteString(w, "bundle", s.Bundle);
        if (s.Annotations is { } annotations)
        {
            w.WriteStartObject("annotations");
            foreach (var (k, v) in annotations) WriteStringValue(w, k, v);
            w.WriteEndObject();
        }
        WriteString(w, "rootfs", s.Rootfs);
        w.WriteString("created", s.Created);
        WriteString(w, "owner", s.Owner);
        w.WriteNumber("initStartTime", s.InitStartTime);
        SpecJsonWriter.HookList(w, "poststop", s.Poststop);
        SpecJsonWriter.HookList(w, "poststart", s.Poststart);
        if (s.Cgroup is { } cg)
        {
            w.WriteStartObject("cgroup");
            WriteString(w, "manager", cg.Manager);
            WriteString(w, "path", cg.Path);
            WriteString(w, "unit", cg.Unit);
            w.WriteEndObject();
        }
        if (s.Network is { } n)
        {
            w.WriteStartObject("network");
            WriteString(w, "mode", n.Mode);
            SpecJsonWriter.Strings(w, "ports", n.Ports);
            w.WriteNumber("watcherPid", n.WatcherPid);
            w.WriteNumber("watcherStartTime", n.WatcherStartTime);
            w.WriteNumber("helperPid", n.HelperPid);
            w.WriteNumber("helperStartTime", n.HelperStartTime);
            WriteString(w, "apiSocket", n.ApiSocket);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    // Nulls are left out, as DefaultIgnoreCondition.WhenWritingNull does; in a dictionary or an
    // array they are written, as the serializer does.
    static void WriteString(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }

    static void WriteStringValue(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, value);
    }

    static ContainerState? ReadState(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.Null) return null;
        Expect(ref r, JsonTokenType.StartObject);
        var s = new ContainerState();
        while (NextProperty(ref r, out string name))
        {
            switch (name)
            {
                case "ociVersion": s.OciVersion = Str(ref r)!; break;
                case "id": s.Id = Str(ref r)!; break;
                case "status": s.Status = Str(ref r)!; break;
                case "pid": s.Pid = r.GetInt32(); break;
                case "bundle": s.Bundle = Str(ref r)!; break;
                case "annotations": s.Annotations = StringMap(ref r); break;
                case "rootfs": s.Rootfs = Str(ref r)!; break;
                case "created": s.Created = r.GetDateTime(); break;
                case "owner": s.Owner = Str(ref r)!; break;
                case "initStartTime": s.InitStartTime = r.GetUInt64(); break;
                case "poststop": s.Poststop = Hooks(ref r); break;
                case "poststart": s.Poststart = Hooks(ref r); break;
                case "cgroup": s.Cgroup = Cgroup(ref r); break;
                case "network": s.Network = Network(ref r); break;
                default: r.Skip(); break;
            }
        }
        return s;
    }

    static ContainerCgroup? Cgroup(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.Null) return null;
        Expect(ref r, JsonTokenType.StartObject);
        string? manager = null, path = null, unit = null;
        while (NextProperty(ref r, out string name))
        {
            switch (name)
            {
                case "manager": manager = Str(ref r); break;
                case "path": path = Str(ref r); break;
                case "unit": unit = Str(ref r); break;
                default: r.Skip(); break;
            }
        }
        return new ContainerCgroup(manager!, path!, unit);
    }

    static NetworkState? Network(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.Null) return null;
        Expect(ref r, JsonTokenType.StartObject);
        var n = new NetworkState();
        while (NextProperty(ref r, out string name))
        {
            switch (name)
            {
                case "mode": n.Mode = Str(ref r)!; break;
                case "ports": n.Ports = Strings(ref r); break;
                case "watcherPid": n.WatcherPid = r.GetInt32(); break;
                case "watcherStartTime": n.WatcherStartTime = r.GetUInt64(); break;
                case "helperPid": n.HelperPid = r.GetInt32(); break;
                case "helperStartTime": n.HelperStartTime = r.GetUInt64(); break;
                case "apiSocket": n.ApiSocket = Str(ref r); break;
                default: r.Skip(); break;
            }
        }
        return n;
    }

    static List<SpecHook>? Hooks(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.Null) return null;
        Expect(ref r, JsonTokenType.StartArray);
        var hooks = new List<SpecHook>();
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType == JsonTokenType.Null) { hooks.Add(null!); continue; }
            Expect(ref r, JsonTokenType.StartObject);
            var h = new SpecHook();
            while (NextProperty(ref r, out string name))
            {
                switch (name)
                {
                    case "path": h.Path = Str(ref r)!; break;
                    case "args": h.Args = Strings(ref r); break;
                    case "env": h.Env = Strings(ref r); break;
                    case "timeout": h.Timeout = r.TokenType == JsonTokenType.Null ? null : r.GetInt32(); break;
                    default: r.Skip(); break;
                }
            }
            hooks.Add(h);
        }
        return hooks;
    }

    static List<string>? Strings(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.Null) return null;
        Expect(ref r, JsonTokenType.StartArray);
        var list = new List<string>();
        while (r.Read() && r.TokenType != JsonTokenType.EndArray) list.Add(Str(ref r)!);
        return list;
    }

    static Dictionary<string, string>? StringMap(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.Null) return null;
        Expect(ref r, JsonTokenType.StartObject);
        var map = new Dictionary<string, string>();
        while (NextProperty(ref r, out string name)) map[name] = Str(ref r)!;
        return map;
    }

    /// <summary>Moves to the next property's value; false at the end of the object.</summary>
    static bool NextProperty(ref Utf8JsonReader r, out string name)
    {
        name = "";
        if (!r.Read()) throw new JsonException("unexpected end of the document");
        if (r.TokenType == JsonTokenType.EndObject) return false;
        name = r.GetString()!; // a PropertyName: the reader allows nothing else here
        if (!r.Read()) throw new JsonException("unexpected end of the document");
        return true;
    }

    static string? Str(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Null ? null : r.GetString();

    static void Expect(ref Utf8JsonReader r, JsonTokenType type)
    {
        if (r.TokenType != type) throw new JsonException($"expected {type}, found {r.TokenType} at byte {r.TokenStartIndex}");
    }
}
