using System.Text.Json.Nodes;

namespace Rlrun.IntegrationTests.Harness;

/// <summary>runc, the reference runtime (.ci/run installs Debian's), run as the same user on the
/// same bundle, for tests that compare rlrun's behaviour with it.</summary>
public static class Runc
{
    public static readonly string? Path = new[] { "/usr/sbin/runc", "/usr/bin/runc" }.FirstOrDefault(File.Exists);

    /// <summary>`runc --root SANDBOX/runc run --bundle B ID` as the user rlrun runs as, on a copy of
    /// the bundle's config that runc accepts rootless: its own single-ID maps when the config has none
    /// (rlrun adds maps itself; runc refuses a user namespace without them), no gid= mount option, the same rootfs.</summary>
    public static ProcResult Run(Sandbox s, Bundle bundle, string id, TimeSpan? timeout = null)
    {
        if (Path is null) throw new InvalidOperationException("runc is not installed (apt-get install runc)");
        string dir = bundle.Path + "-runc";
        Directory.CreateDirectory(dir);
        var config = bundle.ReadConfig();
        config["root"]!["path"] = bundle.Rootfs;
        var linux = config["linux"]!.AsObject();
        JsonArray OneId(uint hostId) => [new JsonObject { ["containerID"] = 0, ["hostID"] = hostId, ["size"] = 1 }];
        linux["uidMappings"] ??= OneId(Host.Uid);
        linux["gidMappings"] ??= OneId(Host.Gid);
        // As `runc spec --rootless` writes it: no gid= for devpts, which one mapped ID cannot give.
        foreach (var m in config["mounts"]?.AsArray() ?? [])
            if (m!["options"] is JsonArray options)
                foreach (var o in options.Where(o => o!.GetValue<string>().StartsWith("gid=")).ToList()) options.Remove(o);
        File.WriteAllText(System.IO.Path.Join(dir, "config.json"), config.ToJsonString());
        Host.ChownToUser(dir);
        return Proc.Run(Host.AsUser(Path, ["--root", System.IO.Path.Join(s.Dir, "runc"), "run", "--bundle", dir, id], Host.ShellEnv), timeout: timeout);
    }
}
