using System.Text;
using System.Text.Json;
using Rlrun.Runtime.Spec;

namespace Rlrun.UnitTests.Support;

/// <summary>Configs for tests: runc's default as rlrun writes it, and JSON round trips.</summary>
public static class Specs
{
    /// <summary>Every field of the spec set, none at its default (InitConfigCodecTests and SpecJsonTests
    /// check), with characters the writer escapes.</summary>
    public const string FullJson = """
    {
      "ociVersion": "1.2.0",
      "process": {
        "terminal": true, "consoleSize": { "height": 24, "width": 80 },
        "user": { "uid": 1, "gid": 2, "umask": 18, "additionalGids": [5, 6], "username": "app" },
        "args": ["sh", "-c", "echo é"], "commandLine": "sh -c 'x' <&> \"q\" +\\ \u0001", "env": ["PATH=/bin", "A=b=c"], "cwd": "/work",
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
