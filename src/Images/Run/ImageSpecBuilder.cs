using Rlrun.Images.Oci;
using Rlrun.Images.Store;
using Rlrun.Runtime.Spec;

namespace Rlrun.Images.Run;

/// <summary>config.json for an image container: rlrun's rootless defaults (runc's spec --rootless),
/// then the image's config (Env, Entrypoint and Cmd, WorkingDir, User, StopSignal, Labels as
/// annotations), then the flags; the per-container /etc files and -v binds as bind mounts.</summary>
public static class ImageSpecBuilder
{
    public const string ImageAnnotation = "io.rlrun.image", ImageIdAnnotation = "io.rlrun.image.id";
    /// <summary>Where podman and the image spec put the image's StopSignal.</summary>
    public const string StopSignalAnnotation = "org.opencontainers.image.stopSignal";
    const string DefaultPath = "PATH=" + Rlrun.Runtime.Process.ExecutableLookup.DefaultPath;

    // podman's default set: what package managers and most images' entrypoints expect of root.
    static readonly string[] RootCaps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"];

    /// <param name="containerDir">holds the per-container hosts, hostname and resolv.conf</param>
    public static OciSpec Build(ImageRunOptions o, ImageRecord image, ImageRunConfig? config, SpecUser user, string hostname,
        string containerDir, bool rootless)
    {
        var spec = DefaultSpec.Create(rootless);
        var p = spec.Process!;
        var entrypoint = o.Entrypoint is { } e ? (e.Length == 0 ? [] : [e]) : config?.Entrypoint ?? [];
        var cmd = o.Command.Count > 0 ? o.Command : (o.Entrypoint is not null ? [] : config?.Cmd ?? []);
        p.Args = [.. entrypoint, .. cmd];
        if (p.Args.Count == 0) throw new ArgumentException($"image {o.Image} has no Entrypoint or Cmd: give the command after -- (--image REF [ID] -- CMD ARGS...)");
        p.Terminal = o.Tty;
        p.Env = MergeEnv([DefaultPath, .. o.Tty ? ["TERM=xterm"] : Array.Empty<string>()], config?.Env ?? [], o.Env);
        p.Cwd = o.Workdir ?? (config?.WorkingDir is { Length: > 0 } w ? w : "/");
        if (!p.Cwd.StartsWith('/')) throw new ArgumentException($"--workdir \"{p.Cwd}\": must be an absolute path");
        p.User = user;
        string[] caps = user.Uid == 0 ? RootCaps : [];
        p.Capabilities = new SpecCapabilities { Bounding = [.. RootCaps], Effective = [.. caps], Permitted = [.. caps] };
        spec.Hostname = hostname;
        spec.Root!.Readonly = o.ReadOnly;

        foreach (var name in ContainerFiles.Names)
            spec.Mounts!.Add(new SpecMount { Destination = $"/etc/{name}", Type = "bind", Source = Path.Join(containerDir, name), Options = ["rbind", "rprivate"] });
        foreach (var v in o.Volumes)
            spec.Mounts!.Add(new SpecMount { Destination = v.Destination, Type = "bind", Source = v.Source, Options = ["rbind", "rprivate", v.ReadOnly ? "ro" : "rw"] });

        var annotations = new Dictionary<string, string>(config?.Labels ?? []);
        if (config?.StopSignal is { Length: > 0 } stop) annotations[StopSignalAnnotation] = stop;
        annotations[ImageAnnotation] = o.Image;
        annotations[ImageIdAnnotation] = image.Id;
        spec.Annotations = annotations;

        if (Resources(o) is { } resources) spec.Linux!.Resources = resources;
        return spec;
    }

    /// <summary>linux.resources from --memory, --pids-limit and --cpus (null: none asked), on
    /// DefaultSpec's, which has none.</summary>
    public static SpecResources? Resources(ImageRunOptions o)
    {
        if (o.MemoryBytes is null && o.PidsLimit is null && o.CpuQuota is null) return null;
        var r = new SpecResources();
        if (o.MemoryBytes is long m) r.Memory = new SpecMemory { Limit = m };
        if (o.PidsLimit is long pids) r.Pids = new SpecPids { Limit = pids };
        if (o.CpuQuota is long q) r.Cpu = new SpecCpu { Quota = q, Period = 100_000 };
        return r;
    }

    /// <summary>Later lists win per name; a flag's NAME without '=' was resolved by the CLI.</summary>
    static List<string> MergeEnv(params IEnumerable<string>[] lists)
    {
        var order = new List<string>();
        var values = new Dictionary<string, string>();
        foreach (var entry in lists.SelectMany(l => l))
        {
            string name = entry.Split('=', 2)[0];
            if (!values.ContainsKey(name)) order.Add(name);
            values[name] = entry;
        }
        return order.Select(n => values[n]).ToList();
    }
}
