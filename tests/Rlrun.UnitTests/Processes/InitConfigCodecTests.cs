using System.Collections;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Rlrun.Runtime.Overlay;
using Rlrun.Runtime.Process;
using Rlrun.Runtime.Spec;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Processes;

/// <summary>The init's config travels in InitConfigCodec's compact form: every field of a config
/// with every field set comes back equal, and a config of another build, a truncated or a damaged
/// one is refused in one line.</summary>
public sealed class InitConfigCodecTests
{
    static InitConfig Full() => new()
    {
        Spec = JsonSerializer.Deserialize(Specs.FullJson, SpecJsonContext.Default.OciSpec)!,
        Rootfs = "/b/rootfs", Bundle = "/b", NoPivot = true, PreserveFds = 2, FifoFd = 7, InUserNamespace = true,
        NewNetwork = true, NewIpc = true, NewCgroup = true, NewUts = true, Debug = true, Id = "start16-x", HostPid = 4242,
        Exec = true, Build = InitConfig.ThisBuild,
        Layers = new LayeredRoot { Driver = "vfs", Store = "/s", Lowers = ["l/A", "l/B"], Upper = "/u", Work = "/w", FuseOverlayfs = "/usr/bin/fuse-overlayfs" },
    };

    [Fact]
    public void Every_field_is_set_in_the_fixture()
    {
        // A field added to the spec types and not to the fixture fails here; once in the fixture,
        // the round trip below fails until InitConfigCodec carries it.
        var unset = new List<string>();
        Walk(Full(), "config", unset);
        Assert.Empty(unset);
    }

    [Fact]
    public void A_config_with_every_field_set_comes_back_equal()
    {
        var sent = Full();
        var got = InitConfigCodec.Decode(InitConfigCodec.Encode(sent));
        Assert.Equal(JsonSerializer.Serialize(sent.Spec, SpecJsonContext.Default.OciSpec), JsonSerializer.Serialize(got.Spec, SpecJsonContext.Default.OciSpec));
        Assert.Equal(JsonSerializer.Serialize(sent.Layers!, LayeredRootJsonContext.Default.LayeredRoot), JsonSerializer.Serialize(got.Layers!, LayeredRootJsonContext.Default.LayeredRoot));
        foreach (var p in typeof(InitConfig).GetProperties().Where(p => p.Name is not (nameof(InitConfig.Spec) or nameof(InitConfig.Layers))))
            Assert.Equal(p.GetValue(sent), p.GetValue(got));
    }

    [Fact]
    public void An_empty_config_comes_back_with_its_nulls()
    {
        var sent = new InitConfig { Build = InitConfig.ThisBuild };
        var got = InitConfigCodec.Decode(InitConfigCodec.Encode(sent));
        Assert.Null(got.Layers);
        Assert.Null(got.Spec.Process);
        Assert.Null(got.Spec.Linux);
        Assert.Null(got.Spec.Mounts);
        Assert.Equal(-1, got.FifoFd);
    }

    [Fact]
    public void A_config_of_another_build_is_refused_before_any_field_is_read()
    {
        var e = Assert.Throws<IOException>(() => InitConfigCodec.Decode(InitConfigCodec.Encode(new InitConfig { Build = "0000000" })));
        Assert.Equal($"the container init is of build {InitConfig.ThisBuild}, rlrun of 0000000: install rlrun and rlrun-init together", e.Message);
    }

    [Fact]
    public void A_json_config_of_an_older_rlrun_is_refused_in_one_line()
    {
        var e = Assert.Throws<IOException>(() => InitConfigCodec.Decode(Encoding.UTF8.GetBytes("""{"spec":{},"build":"x"}""")));
        Assert.Contains("install rlrun and rlrun-init together", e.Message);
    }

    [Fact]
    public void A_truncated_or_damaged_config_is_an_IOException()
    {
        byte[] full = InitConfigCodec.Encode(Full());
        for (int n = 4; n < full.Length; n += Math.Max(1, full.Length / 97))
        {
            var e = Assert.ThrowsAny<Exception>(() => InitConfigCodec.Decode(full[..n]));
            Assert.True(e is IOException, $"cut at {n} of {full.Length}: {e.GetType().Name}: {e.Message}");
        }
        Assert.Throws<IOException>(() => InitConfigCodec.Decode([.. full, 0]));
    }

    static void Walk(object? value, string path, List<string> unset)
    {
        switch (value)
        {
            case null: unset.Add(path); return;
            case string s: if (s.Length == 0) unset.Add(path); return;
            case JsonElement: return;
            case IDictionary d: if (d.Count == 0) unset.Add(path); return;
            case IList l:
                if (l.Count == 0) unset.Add(path);
                for (int i = 0; i < l.Count; i++) Walk(l[i], $"{path}[{i}]", unset);
                return;
        }
        var type = value.GetType();
        if (type.IsPrimitive || type.IsEnum) { if (value.Equals(Activator.CreateInstance(type))) CheckZero(type, path, unset); return; }
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetIndexParameters().Length == 0))
            Walk(p.GetValue(value), $"{path}.{p.Name}", unset);
    }

    // Zero is a real value for some fields (uid 0, containerID 0): only a bool left false counts as unset.
    static void CheckZero(Type type, string path, List<string> unset)
    {
        if (type == typeof(bool)) unset.Add(path);
    }
}
