using Rlrun.Runtime.Process;

namespace Rlrun.Runtime.Spec;

/// <summary>The checks the runtime spec makes of a config before anything is created.</summary>
public static class SpecValidator
{
    static readonly HashSet<string> NamespaceTypes = ["pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"];

    static readonly HashSet<string> IpcSysctls = ["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
        "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"];

    /// <summary>The namespace a sysctl belongs to (runc's list), or null for a host-wide one.</summary>
    public static string? SysctlNamespace(string key) =>
        IpcSysctls.Contains(key) || key.StartsWith("fs.mqueue.") ? "ipc"
        : key is "kernel.domainname" or "kernel.hostname" ? "uts"
        : key.StartsWith("net.") ? "network"
        : null;

    public static void Validate(OciSpec spec, string name)
    {
        void Fail(string field, string why) => throw new SpecError($"{name}: field {field}: {why}");

        if (string.IsNullOrEmpty(spec.OciVersion)) Fail("ociVersion", "missing");
        if (spec.Root is null || string.IsNullOrEmpty(spec.Root.Path)) Fail("root.path", "missing");
        if (spec.Process is { } p)
        {
            if (p.Args is null || p.Args.Count == 0) Fail("process.args", "must name the program to run");
            else if (string.IsNullOrEmpty(p.Args[0])) Fail("process.args[0]", "must not be empty");
            if (!p.Cwd.StartsWith('/')) Fail("process.cwd", $"must be an absolute path, got \"{p.Cwd}\"");
            foreach (var (env, i) in (p.Env ?? []).Select((e, i) => (e, i)))
                if (!env.Contains('=')) Fail($"process.env[{i}]", $"\"{env}\" is not KEY=VALUE");
            foreach (var (r, i) in (p.Rlimits ?? []).Select((r, i) => (r, i)))
            {
                if (!Rlimits.IsKnown(r.Type)) Fail($"process.rlimits[{i}].type", $"unknown rlimit \"{r.Type}\"");
                if (r.Soft > r.Hard) Fail($"process.rlimits[{i}]", "soft limit is above the hard limit");
            }
            if (p.OomScoreAdj is < -1000 or > 1000) Fail("process.oomScoreAdj", "must be within -1000..1000");
            // An unknown name cannot be mapped to the kernel: the spec wants an error, not a warning.
            if (p.Capabilities is { } caps)
                foreach (var (set, names) in new[] { ("bounding", caps.Bounding), ("effective", caps.Effective), ("inheritable", caps.Inheritable), ("permitted", caps.Permitted), ("ambient", caps.Ambient) })
                    foreach (var (cap, i) in (names ?? []).Select((n, i) => (n, i)))
                        if (Capabilities.NumberOf(cap) is null) Fail($"process.capabilities.{set}[{i}]", $"unknown capability \"{cap}\"");
        }
        foreach (var (m, i) in (spec.Mounts ?? []).Select((m, i) => (m, i)))
        {
            if (string.IsNullOrEmpty(m.Destination)) Fail($"mounts[{i}].destination", "missing");
            if (!m.Destination.StartsWith('/')) Fail($"mounts[{i}].destination", $"must be an absolute path, got \"{m.Destination}\"");
        }
        var seen = new HashSet<string>();
        foreach (var (ns, i) in (spec.Linux?.Namespaces ?? []).Select((n, i) => (n, i)))
        {
            if (!NamespaceTypes.Contains(ns.Type)) Fail($"linux.namespaces[{i}].type", $"unknown namespace \"{ns.Type}\"");
            if (!seen.Add(ns.Type)) Fail($"linux.namespaces[{i}].type", $"namespace \"{ns.Type}\" given twice");
            if (ns.Path is { Length: > 0 } path && !path.StartsWith('/')) Fail($"linux.namespaces[{i}].path", "must be an absolute path");
        }
        var linux = spec.Linux;
        bool newUts = linux?.Namespaces?.Any(n => n.Type == "uts") ?? false;
        if (!string.IsNullOrEmpty(spec.Hostname) && !newUts) Fail("hostname", "needs a uts namespace (linux.namespaces)");
        bool userNs = linux?.Namespaces?.Any(n => n.Type == "user") ?? false;
        if (linux?.UidMappings?.Count > 0 && !userNs) Fail("linux.uidMappings", "mappings need a user namespace (linux.namespaces)");
        if (linux?.GidMappings?.Count > 0 && !userNs) Fail("linux.gidMappings", "mappings need a user namespace (linux.namespaces)");
        foreach (var (map, i) in (linux?.UidMappings ?? []).Select((m, i) => (m, i)))
            if (map.Size == 0) Fail($"linux.uidMappings[{i}].size", "must be at least 1");
        foreach (var (map, i) in (linux?.GidMappings ?? []).Select((m, i) => (m, i)))
            if (map.Size == 0) Fail($"linux.gidMappings[{i}].size", "must be at least 1");
        foreach (var (d, i) in (linux?.Devices ?? []).Select((d, i) => (d, i)))
        {
            if (!d.Path.StartsWith("/dev/")) Fail($"linux.devices[{i}].path", $"must be under /dev, got \"{d.Path}\"");
            if (d.Type is not ("c" or "b" or "u" or "p")) Fail($"linux.devices[{i}].type", $"unknown device type \"{d.Type}\"");
        }
        foreach (var key in linux?.Sysctl?.Keys.ToList() ?? [])
            if (SysctlNamespace(key) is not { } nsType || !(linux!.Namespaces?.Any(n => n.Type == nsType) ?? false))
                Fail($"linux.sysctl.{key}", SysctlNamespace(key) is { } t ? $"needs a {t} namespace (linux.namespaces)" : "not a namespaced sysctl: it would change the host");
        if (linux?.RootfsPropagation is { Length: > 0 } prop && !Rootfs.MountOptions.IsPropagation(prop))
            Fail("linux.rootfsPropagation", $"unknown propagation \"{prop}\"");
    }
}
