using System.Text.Json;
using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Process;
using Rlrun.Runtime.Seccomp;

namespace Rlrun.Cli.Commands;

/// <summary>`features`: what this rlrun supports, in the runtime spec's features.md format.</summary>
public sealed class FeaturesCommand : ICommand
{
    public string Name => "features";
    public string Usage => "";
    public string Summary => "show the enabled features (runtime-spec features.md)";
    public IReadOnlyList<Flag> Flags { get; } = [];

    static readonly string[] Hooks = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"];
    static readonly string[] Namespaces = ["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"];
    static readonly string[] MountOptions =
    [
        "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "lazytime", "mand", "noatime",
        "nodev", "nodiratime", "noexec", "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid", "nosymfollow",
        "private", "rbind", "relatime", "remount", "ro", "rprivate", "rshared", "rslave", "runbindable", "rw", "shared",
        "slave", "strictatime", "suid", "symfollow", "sync", "tmpcopyup", "unbindable",
    ];
    static readonly string[] Archs =
    [
        "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",
        "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
        "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_RISCV64",
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        if (args.Positional.Count > 0) throw new UsageException($"unexpected argument \"{args.Positional[0]}\"");
        // Not Console.OpenStandardOutput: on a terminal its first write initializes .NET's console (TerminalStdio).
        using var stdout = Runtime.Host.TerminalStdio.OpenStandard(1);
        using (var w = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("ociVersionMin", "1.0.0");
            w.WriteString("ociVersionMax", "1.2.0");
            Strings(w, "hooks", Hooks);
            Strings(w, "mountOptions", MountOptions);
            w.WriteStartObject("linux");
            Strings(w, "namespaces", Namespaces);
            Strings(w, "capabilities", Capabilities.Names.Take(Capabilities.LastCap() + 1));
            w.WriteStartObject("cgroup");
            w.WriteBoolean("v1", false);
            w.WriteBoolean("v2", false);
            w.WriteBoolean("systemd", false);
            w.WriteBoolean("systemdUser", false);
            w.WriteBoolean("rdma", false);
            w.WriteEndObject();
            w.WriteStartObject("seccomp");
            w.WriteBoolean("enabled", true);
            Strings(w, "actions", SeccompActions.ActionNames);
            Strings(w, "operators", SeccompActions.OperatorNames);
            Strings(w, "archs", Archs.Where(a => Libseccomp.seccomp_arch_resolve_name(SeccompActions.ArchName(a)) != 0));
            Strings(w, "knownFlags", SeccompActions.FlagNames);
            Strings(w, "supportedFlags", SeccompActions.FlagNames);
            w.WriteEndObject();
            foreach (var off in new[] { "apparmor", "selinux", "intelRdt" })
            {
                w.WriteStartObject(off);
                w.WriteBoolean("enabled", false);
                w.WriteEndObject();
            }
            w.WriteStartObject("mountExtensions");
            w.WriteStartObject("idmap");
            w.WriteBoolean("enabled", false);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("annotations");
            w.WriteString("io.github.rlrun.version", Program.VersionText().Split('\n')[0].Split(' ')[^1]);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        Console.WriteLine();
        return 0;
    }

    static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }
}
