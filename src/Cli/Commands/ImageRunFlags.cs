using System.Globalization;
using Rlrun.Images.Run;
using Rlrun.Runtime.Overlay;

namespace Rlrun.Cli.Commands;

/// <summary>The image form of run and create: `--image REF [flags] [ID] [-- CMD ARGS...]`, with
/// the flags users of podman expect. They are declared on run and create, and refused there without
/// --image, so runc's `run/create --bundle B ID` reads exactly as before.</summary>
public static class ImageRunFlags
{
    public const string ImageFlag = "image";

    public static readonly Flag[] Flags =
    [
        new([ImageFlag], true, "run a container of this image (NAME[:TAG] or ID): the image form, with the flags below"),
        new(["rm"], false, "image: remove the container (state, writable layer) when it exits"),
        new(["tty", "t"], false, "image: give the process a terminal"),
        new(["interactive", "i"], false, "image: keep stdin (rlrun always passes it in the foreground)"),
        new(["env", "e"], true, "image: NAME=VALUE, or NAME to take it from here", Repeatable: true),
        new(["env-file"], true, "image: a file of NAME=VALUE lines", Repeatable: true),
        new(["volume", "v"], true, "image: HOST:CTR[:ro|rw] bind mount", Repeatable: true),
        new(["workdir", "w"], true, "image: the working directory (default: the image's)"),
        new(["user", "u"], true, "image: USER[:GROUP], names from the image's /etc/passwd and /etc/group"),
        new(["entrypoint"], true, "image: replaces the image's Entrypoint (\"\": none)"),
        new(["hostname"], true, "image: the container's hostname (default: its ID's first 12 characters)"),
        new(["name"], true, "image: the container's ID (same as giving ID)"),
        new(["read-only"], false, "image: mount the root read-only"),
        new(["memory", "m"], true, "image: memory limit (bytes, or with k, m, g)"),
        new(["pids-limit"], true, "image: the most processes"),
        new(["cpus"], true, "image: CPUs, as a quota (1.5)"),
        new(["storage-driver"], true, "image: overlay, fuse-overlayfs, vfs or auto (rlrun.json \"storage_driver\")"),
        ImageStoreArgs.Storage,
        // --network, -p, --dns, --add-host: CreateFlags.Common (NetworkFlags), shared with the bundle form.
    ];

    /// <summary>The flags above other than --image are refused without it. A plain loop: every bundle
    /// run asks, and in NativeAOT a LINQ Select chained on Skip starts the type loader (~0.8 ms of CPU).</summary>
    public static bool IsImageForm(ParsedArgs args)
    {
        if (args.Has(ImageFlag)) return true;
        for (int i = 1; i < Flags.Length; i++)
            if (args.Has(Flags[i].Name))
                throw new UsageException($"--{Flags[i].Name} belongs to the image form: run --image REF [flags] [ID] [-- CMD ARGS...]");
        return false;
    }

    /// <summary>The options, and the ID (given, or made up as podman does: 12 hex digits here).</summary>
    public static (ImageRunOptions Options, string Id) Parse(CommandContext ctx, ParsedArgs args, string command)
    {
        string image = args.Value(ImageFlag) is { Length: > 0 } i ? i : throw new UsageException("--image needs a reference");
        var (ids, cmd) = SplitPositional(args);
        if (ids.Count > 1) throw new UsageException($"unexpected argument \"{ids[1]}\": the command goes after -- (rlrun {command} --image REF [ID] -- CMD ARGS...)");
        string? name = args.Value("name");
        if (name is not null && ids.Count == 1 && ids[0] != name) throw new UsageException($"--name {name} and ID {ids[0]} disagree");
        string id = name ?? (ids.Count == 1 ? ids[0] : NewId());
        if (args.Has("bundle")) throw new UsageException("--bundle and --image cannot be combined (the image form writes its own bundle)");

        var options = new ImageRunOptions
        {
            Image = image,
            Command = cmd,
            Entrypoint = args.Value("entrypoint"),
            Env = [.. args.Values("env-file").SelectMany(EnvFile), .. args.Values("env").Select(EnvFlag).Where(e => e.Length > 0)],
            Volumes = [.. args.Values("volume").Select(Volume)],
            Workdir = args.Value("workdir"),
            User = args.Value("user"),
            Hostname = args.Value("hostname"),
            ReadOnly = args.Bool("read-only"),
            Tty = args.Bool("tty"),
            MemoryBytes = args.Value("memory") is { } m ? UpdateCommand.Bytes(m, "memory") : null,
            PidsLimit = args.Value("pids-limit") is { } p ? (long.TryParse(p, out long n) && n != 0 ? n : throw new UsageException($"invalid --pids-limit \"{p}\": a number (-1: no limit)")) : null,
            CpuQuota = args.Value("cpus") is { } c ? Cpus(c) : null,
            BareId = ids.Count == 1 && cmd.Count == 0 && args.SeparatorAt is null && !args.Positional.Contains("--") && name is null ? ids[0] : null,
            StorageDriver = StorageDriver.Parse(args.Value("storage-driver") ?? ctx.Settings.StorageDriver,
                args.Has("storage-driver") ? "--storage-driver" : $"storage_driver in {RlrunSettings.ConfigFile()} or RLRUN_STORAGE_DRIVER"),
        };
        return (options, id);
    }

    /// <summary>12 hex digits of the kernel's random bytes (RandomCalls: not OpenSSL's, which costs
    /// its loading).</summary>
    static string NewId()
    {
        Span<byte> bytes = stackalloc byte[6];
        Runtime.Interop.RandomCalls.Fill(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    static (List<string> Ids, List<string> Command) SplitPositional(ParsedArgs args)
    {
        var all = args.Positional;
        int sep = args.SeparatorAt ?? all.IndexOf("--");
        if (sep < 0) return (all.ToList(), []);
        int skip = args.SeparatorAt is null ? 1 : 0;
        return (all.Take(sep).ToList(), all.Skip(sep + skip).ToList());
    }

    static string EnvFlag(string e)
    {
        if (e.Length == 0 || e[0] == '=') throw new UsageException($"invalid --env \"{e}\": NAME=VALUE or NAME");
        if (e.Contains('=')) return e;
        // podman: a bare NAME takes our value; unset, it is left out.
        return Environment.GetEnvironmentVariable(e) is { } v ? $"{e}={v}" : "";
    }

    static IEnumerable<string> EnvFile(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"--env-file {path}: no such file");
        return File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#').Select(EnvFlag).Where(e => e.Length > 0);
    }

    static VolumeBind Volume(string v)
    {
        var parts = v.Split(':');
        if (parts.Length is < 2 or > 3 || parts[0].Length == 0 || parts[1].Length == 0)
            throw new UsageException($"invalid --volume \"{v}\": HOST:CONTAINER[:ro|rw]");
        if (!parts[1].StartsWith('/')) throw new UsageException($"invalid --volume \"{v}\": the container path {parts[1]} must be absolute");
        bool ro = parts.Length == 3 && (parts[2] is "ro" ? true : parts[2] is "rw" ? false : throw new UsageException($"invalid --volume \"{v}\": option {parts[2]}: ro or rw"));
        return new VolumeBind(Path.GetFullPath(parts[0]), parts[1], ro);
    }

    static long Cpus(string c)
    {
        if (!double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out double cpus) || cpus <= 0 || cpus > 1024)
            throw new UsageException($"invalid --cpus \"{c}\": a positive number such as 1.5");
        return (long)Math.Round(cpus * 100_000);
    }
}
