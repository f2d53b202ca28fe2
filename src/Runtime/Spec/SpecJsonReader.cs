using System.Text.Json;
using static Rlrun.Runtime.Spec.JsonTokens;

namespace Rlrun.Runtime.Spec;

/// <summary>config.json (and `update -r`'s linux.resources, `exec --process`'s process.json) read by
/// hand with Utf8JsonReader. In a
/// NativeAOT process System.Text.Json's first use of a JsonTypeInfo builds the metadata of the whole
/// OciSpec graph through reflection: 94% of what parsing config.json cost (docs/startup.md). It reads
/// what SpecJsonContext read (camelCase, case-sensitive names; unknown ones skipped; the last of a
/// duplicate wins; a null where the model has a non-nullable field is an error; JsonElement fields
/// kept as raw JSON), and a null inside an array or map is an error too (STJ let it through, and the
/// validator crashed on it). Errors are SpecJsonError at the offending token, or the reader's own
/// JsonException; SpecJsonError.Describe turns either into file:line:column and the field path.</summary>
public static partial class SpecJsonReader
{
    /// <summary>The config, or null for a document that is just null.</summary>
    /// <exception cref="JsonException">not JSON, or a field of the wrong type (SpecJsonError)</exception>
    public static OciSpec? ReadSpec(ReadOnlySpan<byte> json) => Document(json, Spec);

    /// <summary>A linux.resources object, or null for a document that is just null.</summary>
    public static SpecResources? ReadResources(ReadOnlySpan<byte> json) => Document(json, Resources);

    /// <summary>`exec --process`'s process.json, or null for a document that is just null. Read as
    /// config.json's process is: ProcessJsonContext, which read it before, let a null into cwd, user
    /// or a list's element, and exec then failed on it with a NullReferenceException.</summary>
    public static SpecProcess? ReadProcess(ReadOnlySpan<byte> json) => Document(json, Process);

    static OciSpec Spec(ref Utf8JsonReader r)
    {
        var s = new OciSpec();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "ociVersion": s.OciVersion = OptStr(ref r); break;
                case "process": s.Process = IsNull(ref r) ? null : Process(ref r); break;
                case "root": s.Root = IsNull(ref r) ? null : Root(ref r); break;
                case "hostname": s.Hostname = OptStr(ref r); break;
                case "domainname": s.Domainname = OptStr(ref r); break;
                case "mounts": s.Mounts = List(ref r, Mount); break;
                case "hooks": s.Hooks = IsNull(ref r) ? null : Hooks(ref r); break;
                case "annotations": s.Annotations = StringMap(ref r); break;
                case "linux": s.Linux = IsNull(ref r) ? null : Linux(ref r); break;
                default: r.Skip(); break;
            }
        }
        return s;
    }

    static SpecProcess Process(ref Utf8JsonReader r)
    {
        var p = new SpecProcess();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "terminal": p.Terminal = Bool(ref r); break;
                case "consoleSize": p.ConsoleSize = IsNull(ref r) ? null : ConsoleSize(ref r); break;
                case "user": p.User = User(ref r); break;
                case "args": p.Args = List(ref r, Str); break;
                case "commandLine": p.CommandLine = OptStr(ref r); break;
                case "env": p.Env = List(ref r, Str); break;
                case "cwd": p.Cwd = Str(ref r); break;
                case "capabilities": p.Capabilities = IsNull(ref r) ? null : Capabilities(ref r); break;
                case "rlimits": p.Rlimits = List(ref r, Rlimit); break;
                case "noNewPrivileges": p.NoNewPrivileges = Bool(ref r); break;
                case "apparmorProfile": p.ApparmorProfile = OptStr(ref r); break;
                case "oomScoreAdj": p.OomScoreAdj = IsNull(ref r) ? null : I32(ref r); break;
                case "selinuxLabel": p.SelinuxLabel = OptStr(ref r); break;
                default: r.Skip(); break;
            }
        }
        return p;
    }

    static ConsoleSize ConsoleSize(ref Utf8JsonReader r)
    {
        var c = new ConsoleSize();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "height": c.Height = U32(ref r); break;
                case "width": c.Width = U32(ref r); break;
                default: r.Skip(); break;
            }
        }
        return c;
    }

    static SpecUser User(ref Utf8JsonReader r)
    {
        var u = new SpecUser();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "uid": u.Uid = U32(ref r); break;
                case "gid": u.Gid = U32(ref r); break;
                case "umask": u.Umask = IsNull(ref r) ? null : U32(ref r); break;
                case "additionalGids": u.AdditionalGids = List(ref r, U32); break;
                case "username": u.Username = OptStr(ref r); break;
                default: r.Skip(); break;
            }
        }
        return u;
    }

    static SpecCapabilities Capabilities(ref Utf8JsonReader r)
    {
        var c = new SpecCapabilities();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "bounding": c.Bounding = List(ref r, Str); break;
                case "effective": c.Effective = List(ref r, Str); break;
                case "inheritable": c.Inheritable = List(ref r, Str); break;
                case "permitted": c.Permitted = List(ref r, Str); break;
                case "ambient": c.Ambient = List(ref r, Str); break;
                default: r.Skip(); break;
            }
        }
        return c;
    }

    static SpecRlimit Rlimit(ref Utf8JsonReader r)
    {
        var l = new SpecRlimit();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "type": l.Type = Str(ref r); break;
                case "hard": l.Hard = U64(ref r); break;
                case "soft": l.Soft = U64(ref r); break;
                default: r.Skip(); break;
            }
        }
        return l;
    }

    static SpecRoot Root(ref Utf8JsonReader r)
    {
        var root = new SpecRoot();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "path": root.Path = Str(ref r); break;
                case "readonly": root.Readonly = Bool(ref r); break;
                default: r.Skip(); break;
            }
        }
        return root;
    }

    static SpecMount Mount(ref Utf8JsonReader r)
    {
        var m = new SpecMount();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "destination": m.Destination = Str(ref r); break;
                case "type": m.Type = OptStr(ref r); break;
                case "source": m.Source = OptStr(ref r); break;
                case "options": m.Options = List(ref r, Str); break;
                case "uidMappings": m.UidMappings = List(ref r, IdMapping); break;
                case "gidMappings": m.GidMappings = List(ref r, IdMapping); break;
                default: r.Skip(); break;
            }
        }
        return m;
    }

    static SpecHooks Hooks(ref Utf8JsonReader r)
    {
        var h = new SpecHooks();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "prestart": h.Prestart = List(ref r, Hook); break;
                case "createRuntime": h.CreateRuntime = List(ref r, Hook); break;
                case "createContainer": h.CreateContainer = List(ref r, Hook); break;
                case "startContainer": h.StartContainer = List(ref r, Hook); break;
                case "poststart": h.Poststart = List(ref r, Hook); break;
                case "poststop": h.Poststop = List(ref r, Hook); break;
                default: r.Skip(); break;
            }
        }
        return h;
    }

    static SpecHook Hook(ref Utf8JsonReader r)
    {
        var h = new SpecHook();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "path": h.Path = Str(ref r); break;
                case "args": h.Args = List(ref r, Str); break;
                case "env": h.Env = List(ref r, Str); break;
                case "timeout": h.Timeout = IsNull(ref r) ? null : I32(ref r); break;
                default: r.Skip(); break;
            }
        }
        return h;
    }

    static SpecLinux Linux(ref Utf8JsonReader r)
    {
        var l = new SpecLinux();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "uidMappings": l.UidMappings = List(ref r, IdMapping); break;
                case "gidMappings": l.GidMappings = List(ref r, IdMapping); break;
                case "sysctl": l.Sysctl = StringMap(ref r); break;
                case "resources": l.Resources = IsNull(ref r) ? null : Resources(ref r); break;
                case "cgroupsPath": l.CgroupsPath = OptStr(ref r); break;
                case "namespaces": l.Namespaces = List(ref r, Namespace); break;
                case "devices": l.Devices = List(ref r, Device); break;
                case "seccomp": l.Seccomp = IsNull(ref r) ? null : Seccomp(ref r); break;
                case "rootfsPropagation": l.RootfsPropagation = OptStr(ref r); break;
                case "maskedPaths": l.MaskedPaths = List(ref r, Str); break;
                case "readonlyPaths": l.ReadonlyPaths = List(ref r, Str); break;
                case "mountLabel": l.MountLabel = OptStr(ref r); break;
                case "intelRdt": l.IntelRdt = Raw(ref r); break;
                case "personality": l.Personality = Raw(ref r); break;
                case "timeOffsets": l.TimeOffsets = Raw(ref r); break;
                default: r.Skip(); break;
            }
        }
        return l;
    }

    static SpecSeccomp Seccomp(ref Utf8JsonReader r)
    {
        var s = new SpecSeccomp();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "defaultAction": s.DefaultAction = Str(ref r); break;
                case "defaultErrnoRet": s.DefaultErrnoRet = IsNull(ref r) ? null : U32(ref r); break;
                case "architectures": s.Architectures = List(ref r, Str); break;
                case "flags": s.Flags = List(ref r, Str); break;
                case "listenerPath": s.ListenerPath = OptStr(ref r); break;
                case "listenerMetadata": s.ListenerMetadata = OptStr(ref r); break;
                case "syscalls": s.Syscalls = List(ref r, Syscall); break;
                default: r.Skip(); break;
            }
        }
        return s;
    }

    static SpecSyscall Syscall(ref Utf8JsonReader r)
    {
        var s = new SpecSyscall();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "names": s.Names = List(ref r, Str) ?? throw Expected(ref r, "an array"); break;
                case "action": s.Action = Str(ref r); break;
                case "errnoRet": s.ErrnoRet = IsNull(ref r) ? null : U32(ref r); break;
                case "args": s.Args = List(ref r, SyscallArg); break;
                default: r.Skip(); break;
            }
        }
        return s;
    }

    static SpecSyscallArg SyscallArg(ref Utf8JsonReader r)
    {
        var a = new SpecSyscallArg();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "index": a.Index = U32(ref r); break;
                case "value": a.Value = U64(ref r); break;
                case "valueTwo": a.ValueTwo = U64(ref r); break;
                case "op": a.Op = Str(ref r); break;
                default: r.Skip(); break;
            }
        }
        return a;
    }

    static SpecIdMapping IdMapping(ref Utf8JsonReader r)
    {
        var m = new SpecIdMapping();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "containerID": m.ContainerID = U32(ref r); break;
                case "hostID": m.HostID = U32(ref r); break;
                case "size": m.Size = U32(ref r); break;
                default: r.Skip(); break;
            }
        }
        return m;
    }

    static SpecNamespace Namespace(ref Utf8JsonReader r)
    {
        var n = new SpecNamespace();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "type": n.Type = Str(ref r); break;
                case "path": n.Path = OptStr(ref r); break;
                default: r.Skip(); break;
            }
        }
        return n;
    }

    static SpecDevice Device(ref Utf8JsonReader r)
    {
        var d = new SpecDevice();
        ObjectStart(ref r);
        while (Property(ref r, out string name))
        {
            switch (name)
            {
                case "type": d.Type = Str(ref r); break;
                case "path": d.Path = Str(ref r); break;
                case "major": d.Major = I64(ref r); break;
                case "minor": d.Minor = I64(ref r); break;
                case "fileMode": d.FileMode = IsNull(ref r) ? null : U32(ref r); break;
                case "uid": d.Uid = IsNull(ref r) ? null : U32(ref r); break;
                case "gid": d.Gid = IsNull(ref r) ? null : U32(ref r); break;
                default: r.Skip(); break;
            }
        }
        return d;
    }
}
