using System.Text.Json;

namespace Rlrun.Runtime.Spec;

// The OCI runtime spec's config.json (runtime-spec 1.2). Parts rlrun does not act on yet
// (seccomp, resources, ...) are kept as raw JSON so a config that has them still loads.

public sealed class OciSpec
{
    public string? OciVersion { get; set; }
    public SpecProcess? Process { get; set; }
    public SpecRoot? Root { get; set; }
    public string? Hostname { get; set; }
    public string? Domainname { get; set; }
    public List<SpecMount>? Mounts { get; set; }
    public SpecHooks? Hooks { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    public SpecLinux? Linux { get; set; }
}

public sealed class SpecProcess
{
    public bool Terminal { get; set; }
    public ConsoleSize? ConsoleSize { get; set; }
    public SpecUser User { get; set; } = new();
    public List<string>? Args { get; set; }
    public string? CommandLine { get; set; }
    public List<string>? Env { get; set; }
    public string Cwd { get; set; } = "/";
    public SpecCapabilities? Capabilities { get; set; }
    public List<SpecRlimit>? Rlimits { get; set; }
    public bool NoNewPrivileges { get; set; }
    public string? ApparmorProfile { get; set; }
    public int? OomScoreAdj { get; set; }
    public string? SelinuxLabel { get; set; }
}

public sealed class ConsoleSize
{
    public uint Height { get; set; }
    public uint Width { get; set; }
}

public sealed class SpecUser
{
    public uint Uid { get; set; }
    public uint Gid { get; set; }
    public uint? Umask { get; set; }
    public List<uint>? AdditionalGids { get; set; }
    public string? Username { get; set; }
}

public sealed class SpecCapabilities
{
    public List<string>? Bounding { get; set; }
    public List<string>? Effective { get; set; }
    public List<string>? Inheritable { get; set; }
    public List<string>? Permitted { get; set; }
    public List<string>? Ambient { get; set; }
}

public sealed class SpecRlimit
{
    public string Type { get; set; } = "";
    public ulong Hard { get; set; }
    public ulong Soft { get; set; }
}

public sealed class SpecRoot
{
    public string Path { get; set; } = "";
    public bool Readonly { get; set; }
}

public sealed class SpecMount
{
    public string Destination { get; set; } = "";
    public string? Type { get; set; }
    public string? Source { get; set; }
    public List<string>? Options { get; set; }
    public List<SpecIdMapping>? UidMappings { get; set; }
    public List<SpecIdMapping>? GidMappings { get; set; }
}

public sealed class SpecHooks
{
    public List<SpecHook>? Prestart { get; set; }
    public List<SpecHook>? CreateRuntime { get; set; }
    public List<SpecHook>? CreateContainer { get; set; }
    public List<SpecHook>? StartContainer { get; set; }
    public List<SpecHook>? Poststart { get; set; }
    public List<SpecHook>? Poststop { get; set; }
}

public sealed class SpecHook
{
    public string Path { get; set; } = "";
    public List<string>? Args { get; set; }
    public List<string>? Env { get; set; }
    public int? Timeout { get; set; }
}

public sealed class SpecLinux
{
    public List<SpecIdMapping>? UidMappings { get; set; }
    public List<SpecIdMapping>? GidMappings { get; set; }
    public Dictionary<string, string>? Sysctl { get; set; }
    public SpecResources? Resources { get; set; }
    public string? CgroupsPath { get; set; }
    public List<SpecNamespace>? Namespaces { get; set; }
    public List<SpecDevice>? Devices { get; set; }
    public SpecSeccomp? Seccomp { get; set; }
    public string? RootfsPropagation { get; set; }
    public List<string>? MaskedPaths { get; set; }
    public List<string>? ReadonlyPaths { get; set; }
    public string? MountLabel { get; set; }
    public JsonElement? IntelRdt { get; set; }
    public JsonElement? Personality { get; set; }
    public JsonElement? TimeOffsets { get; set; }
}

public sealed class SpecSeccomp
{
    public string DefaultAction { get; set; } = "";
    public uint? DefaultErrnoRet { get; set; }
    public List<string>? Architectures { get; set; }
    public List<string>? Flags { get; set; }
    public string? ListenerPath { get; set; }
    public string? ListenerMetadata { get; set; }
    public List<SpecSyscall>? Syscalls { get; set; }
}

public sealed class SpecSyscall
{
    public List<string> Names { get; set; } = [];
    public string Action { get; set; } = "";
    public uint? ErrnoRet { get; set; }
    public List<SpecSyscallArg>? Args { get; set; }
}

public sealed class SpecSyscallArg
{
    public uint Index { get; set; }
    public ulong Value { get; set; }
    public ulong ValueTwo { get; set; }
    public string Op { get; set; } = "";
}

public sealed class SpecIdMapping
{
    public uint ContainerID { get; set; }
    public uint HostID { get; set; }
    public uint Size { get; set; }
}

public sealed class SpecNamespace
{
    public string Type { get; set; } = "";
    public string? Path { get; set; }
}

public sealed class SpecDevice
{
    public string Type { get; set; } = "";
    public string Path { get; set; } = "";
    public long Major { get; set; }
    public long Minor { get; set; }
    public uint? FileMode { get; set; }
    public uint? Uid { get; set; }
    public uint? Gid { get; set; }
}
