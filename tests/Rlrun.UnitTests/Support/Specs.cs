using System.Text;
using System.Text.Json;
using Rlrun.Runtime.Spec;

namespace Rlrun.UnitTests.Support;

/// <summary>Configs for tests: runc's default as rlrun writes it, and JSON round trips.</summary>
public static class Specs
{
    public static OciSpec Default(bool rootless = false) => DefaultSpec.Create(rootless);

    public static byte[] ToJson(OciSpec spec) => JsonSerializer.SerializeToUtf8Bytes(spec, SpecJsonContext.Default.OciSpec);

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A spec with just what validation needs and the given namespaces.</summary>
    public static OciSpec Minimal(params string[] namespaces) => new()
    {
        OciVersion = "1.2.0",
        Root = new SpecRoot { Path = "rootfs" },
        Process = new SpecProcess { Args = ["sh"] },
        Linux = new SpecLinux { Namespaces = namespaces.Select(t => new SpecNamespace { Type = t }).ToList() },
    };
}
