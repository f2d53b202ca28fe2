using System.Text.Json;

namespace Rlrun.Runtime.Spec;

/// <summary>config.json written by hand with Utf8JsonWriter (`rlrun spec`, an image run's bundle):
/// the bytes SpecJsonContext wrote (camelCase, in declaration order, nulls left out, indented as
/// System.Text.Json indents; SpecJsonTests keeps the two equal), without its metadata built at
/// first use (see SpecJsonReader).</summary>
public static class SpecJsonWriter
{
    public static byte[] Serialize(OciSpec spec)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true })) Spec(w, spec);
        return buffer.WrittenSpan.ToArray();
    }

    static void Spec(Utf8JsonWriter w, OciSpec s)
    {
        w.WriteStartObject();
        Str(w, "ociVersion", s.OciVersion);
        Obj(w, "process", s.Process, Process);
        Obj(w, "root", s.Root, Root);
        Str(w, "hostname", s.Hostname);
        Str(w, "domainname", s.Domainname);
        List(w, "mounts", s.Mounts, Mount);
        Obj(w, "hooks", s.Hooks, Hooks);
        Map(w, "annotations", s.Annotations);
        Obj(w, "linux", s.Linux, Linux);
        w.WriteEndObject();
    }

    static void Process(Utf8JsonWriter w, SpecProcess p)
    {
        w.WriteBoolean("terminal", p.Terminal);
        Obj(w, "consoleSize", p.ConsoleSize, (w, c) => { w.WriteNumber("height", c.Height); w.WriteNumber("width", c.Width); });
        Obj(w, "user", p.User, User);
        Strings(w, "args", p.Args);
        Str(w, "commandLine", p.CommandLine);
        Strings(w, "env", p.Env);
        Str(w, "cwd", p.Cwd);
        Obj(w, "capabilities", p.Capabilities, Capabilities);
        List(w, "rlimits", p.Rlimits, (w, l) => { Str(w, "type", l.Type); w.WriteNumber("hard", l.Hard); w.WriteNumber("soft", l.Soft); });
        w.WriteBoolean("noNewPrivileges", p.NoNewPrivileges);
        Str(w, "apparmorProfile", p.ApparmorProfile);
        if (p.OomScoreAdj is { } oom) w.WriteNumber("oomScoreAdj", oom);
        Str(w, "selinuxLabel", p.SelinuxLabel);
    }

    static void User(Utf8JsonWriter w, SpecUser u)
    {
        w.WriteNumber("uid", u.Uid);
        w.WriteNumber("gid", u.Gid);
        if (u.Umask is { } umask) w.WriteNumber("umask", umask);
        if (u.AdditionalGids is { } gids)
        {
            w.WriteStartArray("additionalGids");
            foreach (uint g in gids) w.WriteNumberValue(g);
            w.WriteEndArray();
        }
        Str(w, "username", u.Username);
    }

    static void Capabilities(Utf8JsonWriter w, SpecCapabilities c)
    {
        Strings(w, "bounding", c.Bounding);
        Strings(w, "effective", c.Effective);
        Strings(w, "inheritable", c.Inheritable);
        Strings(w, "permitted", c.Permitted);
        Strings(w, "ambient", c.Ambient);
    }

    static void Root(Utf8JsonWriter w, SpecRoot r)
    {
        Str(w, "path", r.Path);
        w.WriteBoolean("readonly", r.Readonly);
    }

    static void Mount(Utf8JsonWriter w, SpecMount m)
    {
        Str(w, "destination", m.Destination);
        Str(w, "type", m.Type);
        Str(w, "source", m.Source);
        Strings(w, "options", m.Options);
        List(w, "uidMappings", m.UidMappings, IdMapping);
        List(w, "gidMappings", m.GidMappings, IdMapping);
    }

    static void Hooks(Utf8JsonWriter w, SpecHooks h)
    {
        List(w, "prestart", h.Prestart, Hook);
        List(w, "createRuntime", h.CreateRuntime, Hook);
        List(w, "createContainer", h.CreateContainer, Hook);
        List(w, "startContainer", h.StartContainer, Hook);
        List(w, "poststart", h.Poststart, Hook);
        List(w, "poststop", h.Poststop, Hook);
    }

    /// <summary>A list of hooks as config.json has them: state.json keeps poststart and poststop so.</summary>
    internal static void HookList(Utf8JsonWriter w, string name, List<SpecHook>? hooks) => List(w, name, hooks, Hook);

    static void Hook(Utf8JsonWriter w, SpecHook h)
    {
        Str(w, "path", h.Path);
        Strings(w, "args", h.Args);
        Strings(w, "env", h.Env);
        if (h.Timeout is { } t) w.WriteNumber("timeout", t);
    }

    static void Linux(Utf8JsonWriter w, SpecLinux l)
    {
        List(w, "uidMappings", l.UidMappings, IdMapping);
        List(w, "gidMappings", l.GidMappings, IdMapping);
        Map(w, "sysctl", l.Sysctl);
        Obj(w, "resources", l.Resources, Resources);
        Str(w, "cgroupsPath", l.CgroupsPath);
        List(w, "namespaces", l.Namespaces, (w, n) => { Str(w, "type", n.Type); Str(w, "path", n.Path); });
        List(w, "devices", l.Devices, Device);
        Obj(w, "seccomp", l.Seccomp, Seccomp);
        Str(w, "rootfsPropagation", l.RootfsPropagation);
        Strings(w, "maskedPaths", l.MaskedPaths);
        Strings(w, "readonlyPaths", l.ReadonlyPaths);
        Str(w, "mountLabel", l.MountLabel);
        Raw(w, "intelRdt", l.IntelRdt);
        Raw(w, "personality", l.Personality);
        Raw(w, "timeOffsets", l.TimeOffsets);
    }

    static void IdMapping(Utf8JsonWriter w, SpecIdMapping m)
    {
        w.WriteNumber("containerID", m.ContainerID);
        w.WriteNumber("hostID", m.HostID);
        w.WriteNumber("size", m.Size);
    }

    static void Device(Utf8JsonWriter w, SpecDevice d)
    {
        Str(w, "type", d.Type);
        Str(w, "path", d.Path);
        w.WriteNumber("major", d.Major);
        w.WriteNumber("minor", d.Minor);
        if (d.FileMode is { } mode) w.WriteNumber("fileMode", mode);
        if (d.Uid is { } uid) w.WriteNumber("uid", uid);
        if (d.Gid is { } gid) w.WriteNumber("gid", gid);
    }

    static void Seccomp(Utf8JsonWriter w, SpecSeccomp s)
    {
        Str(w, "defaultAction", s.DefaultAction);
        if (s.DefaultErrnoRet is { } errno) w.WriteNumber("defaultErrnoRet", errno);
        Strings(w, "architectures", s.Architectures);
        Strings(w, "flags", s.Flags);
        Str(w, "listenerPath", s.ListenerPath);
        Str(w, "listenerMetadata", s.ListenerMetadata);
        List(w, "syscalls", s.Syscalls, (w, c) =>
        {
            Strings(w, "names", c.Names);
            Str(w, "action", c.Action);
            if (c.ErrnoRet is { } e) w.WriteNumber("errnoRet", e);
            List(w, "args", c.Args, (w, a) =>
            {
                w.WriteNumber("index", a.Index);
                w.WriteNumber("value", a.Value);
                w.WriteNumber("valueTwo", a.ValueTwo);
                Str(w, "op", a.Op);
            });
        });
    }

    static void Resources(Utf8JsonWriter w, SpecResources r)
    {
        List(w, "devices", r.Devices, (w, d) =>
        {
            w.WriteBoolean("allow", d.Allow);
            Str(w, "type", d.Type);
            Num(w, "major", d.Major);
            Num(w, "minor", d.Minor);
            Str(w, "access", d.Access);
        });
        Obj(w, "memory", r.Memory, (w, m) =>
        {
            Num(w, "limit", m.Limit);
            Num(w, "reservation", m.Reservation);
            Num(w, "swap", m.Swap);
            Num(w, "kernel", m.Kernel);
            Num(w, "kernelTCP", m.KernelTCP);
            if (m.Swappiness is { } swappiness) w.WriteNumber("swappiness", swappiness);
            Bool(w, "disableOOMKiller", m.DisableOOMKiller);
            Bool(w, "useHierarchy", m.UseHierarchy);
            Bool(w, "checkBeforeUpdate", m.CheckBeforeUpdate);
        });
        Obj(w, "cpu", r.Cpu, (w, c) =>
        {
            if (c.Shares is { } shares) w.WriteNumber("shares", shares);
            Num(w, "quota", c.Quota);
            if (c.Burst is { } burst) w.WriteNumber("burst", burst);
            if (c.Period is { } period) w.WriteNumber("period", period);
            Num(w, "realtimeRuntime", c.RealtimeRuntime);
            if (c.RealtimePeriod is { } rtPeriod) w.WriteNumber("realtimePeriod", rtPeriod);
            Str(w, "cpus", c.Cpus);
            Str(w, "mems", c.Mems);
            Num(w, "idle", c.Idle);
        });
        Obj(w, "pids", r.Pids, (w, p) => w.WriteNumber("limit", p.Limit));
        Obj(w, "blockIO", r.BlockIO, (w, b) =>
        {
            if (b.Weight is { } weight) w.WriteNumber("weight", weight);
            if (b.LeafWeight is { } leaf) w.WriteNumber("leafWeight", leaf);
            List(w, "weightDevice", b.WeightDevice, (w, d) =>
            {
                w.WriteNumber("major", d.Major);
                w.WriteNumber("minor", d.Minor);
                if (d.Weight is { } dw) w.WriteNumber("weight", dw);
                if (d.LeafWeight is { } dl) w.WriteNumber("leafWeight", dl);
            });
            List(w, "throttleReadBpsDevice", b.ThrottleReadBpsDevice, Throttle);
            List(w, "throttleWriteBpsDevice", b.ThrottleWriteBpsDevice, Throttle);
            List(w, "throttleReadIOPSDevice", b.ThrottleReadIOPSDevice, Throttle);
            List(w, "throttleWriteIOPSDevice", b.ThrottleWriteIOPSDevice, Throttle);
        });
        List(w, "hugepageLimits", r.HugepageLimits, (w, h) => { Str(w, "pageSize", h.PageSize); w.WriteNumber("limit", h.Limit); });
        Map(w, "unified", r.Unified);
        Raw(w, "network", r.Network);
        Raw(w, "rdma", r.Rdma);
    }

    static void Throttle(Utf8JsonWriter w, SpecThrottleDevice d)
    {
        w.WriteNumber("major", d.Major);
        w.WriteNumber("minor", d.Minor);
        w.WriteNumber("rate", d.Rate);
    }

    // Nulls are left out, as DefaultIgnoreCondition.WhenWritingNull does; in an array or a map
    // they are written, as the serializer does.
    static void Str(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }

    static void Num(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } n) w.WriteNumber(name, n);
    }

    static void Bool(Utf8JsonWriter w, string name, bool? value)
    {
        if (value is { } b) w.WriteBoolean(name, b);
    }

    static void Raw(Utf8JsonWriter w, string name, JsonElement? value)
    {
        if (value is not { } e) return;
        w.WritePropertyName(name);
        e.WriteTo(w);
    }

    internal static void Strings(Utf8JsonWriter w, string name, List<string>? values)
    {
        if (values is null) return;
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            if (v is null) w.WriteNullValue();
            else w.WriteStringValue(v);
        }
        w.WriteEndArray();
    }

    static void Map(Utf8JsonWriter w, string name, Dictionary<string, string>? map)
    {
        if (map is null) return;
        w.WriteStartObject(name);
        foreach (var (k, v) in map)
        {
            if (v is null) w.WriteNull(k);
            else w.WriteString(k, v);
        }
        w.WriteEndObject();
    }

    static void Obj<T>(Utf8JsonWriter w, string name, T? value, Action<Utf8JsonWriter, T> body) where T : class
    {
        if (value is null) return;
        w.WriteStartObject(name);
        body(w, value);
        w.WriteEndObject();
    }

    static void List<T>(Utf8JsonWriter w, string name, List<T>? values, Action<Utf8JsonWriter, T> body) where T : class
    {
        if (values is null) return;
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            if (v is null) { w.WriteNullValue(); continue; }
            w.WriteStartObject();
            body(w, v);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
