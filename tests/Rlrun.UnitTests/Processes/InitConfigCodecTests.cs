using System.Collections;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Rlrun.Runtime.Overlay;
using Rlrun.Runtime.Process;
using Rlrun.Runtime.Spec;
using Xunit;

namespace Rlrun.UnitTests.Processes;

/// <summary>The init's config travels in InitConfigCodec's compact form: every field of a config
/// with every field set comes back equal, and a config of another build, a truncated or a damaged
/// one is refused in one line.</summary>
public sealed class InitConfigCodecTests
{
    // Every field of the spec set, none at its default (Every_field_is_set_in_the_fixture checks).
    const string FullSpec = """
    {
      "ociVersion": "1.2.0",
      "process": {
        "terminal": true, "consoleSize": { "height": 24, "width": 80 },
        "user": { "uid": 1, "gid": 2, "umask": 18, "additionalGids": [5, 6], "username": "app" },
        "args": ["sh", "-c", "echo é"], "commandLine": "sh -c x", "env": ["PATH=/bin", "A=b=c"], "cwd": "/work",
        "capabilities": { "bounding": ["CAP_KILL"], "effective": ["CAP_CHOWN"], "inheritable": ["CAP_FOWNER"],
          "permitted": ["CAP_KILL", "CAP_CHOWN"], "ambient": ["CAP_NET_BIND_SERVICE"] },
        "rlimits": [{ "type": "RLIMIT_NOFILE", "hard": 18446744073709551615, "soft": 1024 }],
        "noNewPrivileges": true, "apparmorProfile": "unconfined", "oomScoreAdj": -17, "selinuxLabel": "s0"
      },
      "root": { "path": "rootfs", "readonly": true },
      "hostname": "box", "domainname": "example.org",
      "mounts": [
        { "destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid"],
          "uidMappings": [{ "containerID": 0, "hostID": 1000, "size": 1 }], "gidMappings": [{ "containerID": 1, "hostID": 100000, "size": 65536 }] }
      ],
      "hooks": {
        "prestart": [{ "path": "/bin/a", "args": ["a"], "env": ["X=1"], "timeout": 5 }],
        "createRuntime": [{ "path": "/bin/b", "args": ["b"], "env": ["X=2"], "timeout": 6 }],
        "createContainer": [{ "path": "/bin/c", "args": ["c"], "env": ["X=3"], "timeout": 7 }],
        "startContainer": [{ "path": "/bin/d", "args": ["d"], "env": ["X=4"], "timeout": 8 }],
        "poststart": [{ "path": "/bin/e", "args": ["e"], "env": ["X=5"], "timeout": 9 }],
        "poststop": [{ "path": "/bin/f", "args": ["f"], "env": ["X=6"], "timeout": 10 }]
      },
      "annotations": { "io.example/a": "1", "b": "" },
      "linux": {
        "uidMappings": [{ "containerID": 0, "hostID": 1001, "size": 1 }],
        "gidMappings": [{ "containerID": 0, "hostID": 1002, "size": 1 }],
        "sysctl": { "net.ipv4.ip_forward": "1" },
        "resources": {
          "devices": [{ "allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm" }],
          "memory": { "limit": 1, "reservation": 2, "swap": -1, "kernel": 4, "kernelTCP": 5, "swappiness": 6,
            "disableOOMKiller": true, "useHierarchy": true, "checkBeforeUpdate": true },
          "cpu": { "shares": 1, "quota": -1, "burst": 3, "period": 4, "realtimeRuntime": 5, "realtimePeriod": 6,
            "cpus": "0-1", "mems": "0", "idle": 1 },
          "pids": { "limit": 32 },
          "blockIO": { "weight": 10, "leafWeight": 11,
            "weightDevice": [{ "major": 8, "minor": 0, "weight": 12, "leafWeight": 13 }],
            "throttleReadBpsDevice": [{ "major": 8, "minor": 1, "rate": 100 }],
            "throttleWriteBpsDevice": [{ "major": 8, "minor": 2, "rate": 200 }],
            "throttleReadIOPSDevice": [{ "major": 8, "minor": 3, "rate": 300 }],
            "throttleWriteIOPSDevice": [{ "major": 8, "minor": 4, "rate": 400 }] },
          "hugepageLimits": [{ "pageSize": "2MB", "limit": 4096 }],
          "unified": { "memory.high": "max" },
          "network": { "classID": 1 },
          "rdma": { "mlx5_1": { "hcaHandles": 3 } }
        },
        "cgroupsPath": "/rlrun/x",
        "namespaces": [{ "type": "network", "path": "/proc/1/ns/net" }],
        "devices": [{ "type": "c", "path": "/dev/fuse", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0 }],
        "seccomp": { "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": ["SCMP_ARCH_X86_64"],
          "flags": ["SECCOMP_FILTER_FLAG_LOG"], "listenerPath": "/run/l.sock", "listenerMetadata": "m",
          "syscalls": [{ "names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "errnoRet": 2,
            "args": [{ "index": 1, "value": 2, "valueTwo": 3, "op": "SCMP_CMP_EQ" }] }] },
        "rootfsPropagation": "rslave", "maskedPaths": ["/proc/kcore"], "readonlyPaths": ["/proc/sys"], "mountLabel": "s0",
        "intelRdt": { "closID": "x" }, "personality": { "domain": "LINUX32" }, "timeOffsets": { "monotonic": { "secs": 1 } }
      }
    }
    """;

    static InitConfig Full() => new()
    {
        Spec = JsonSerializer.Deserialize(FullSpec, SpecJsonContext.Default.OciSpec)!,
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
