using Rlrun.Runtime.Container;
using Rlrun.Runtime.Spec;

namespace Rlrun.Cli.Commands;

/// <summary>`update [-r FILE] [--memory ...] ID`: change a running container's resource limits;
/// -r takes linux.resources JSON (- for stdin), the flags override it, as in runc.</summary>
public sealed class UpdateCommand : ICommand
{
    public string Name => "update";
    public string Usage => "[-r resources.json] [flags] <container-id>";
    public string Summary => "update a container's resource limits";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        new(["resources", "r"], true, "a linux.resources JSON file, or - for stdin"),
        new(["memory"], true, "memory limit (bytes, or with k, m, g)"),
        new(["memory-reservation"], true, "memory soft limit (memory.low)"),
        new(["memory-swap"], true, "memory plus swap limit (-1: unlimited)"),
        new(["cpu-shares"], true, "relative CPU weight (runc's shares, turned into cpu.weight)"),
        new(["cpu-quota"], true, "CPU time in microseconds per period (-1: unlimited)"),
        new(["cpu-period"], true, "CPU period in microseconds"),
        new(["cpu-idle"], true, "1 to make the cgroup SCHED_IDLE"),
        new(["cpuset-cpus"], true, "CPUs the container may use (e.g. 0-1)"),
        new(["cpuset-mems"], true, "memory nodes the container may use"),
        new(["pids-limit"], true, "maximum number of tasks (-1: unlimited)"),
        new(["blkio-weight"], true, "block IO weight, 10 to 1000"),
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        string id = CommandArgs.SingleId(args, Name);
        var r = new SpecResources();
        if (args.Value("resources") is { } file)
        {
            byte[] json = file == "-" ? ReadStdin() : File.ReadAllBytes(file);
            r = SpecLoader.ParseResources(json, file == "-" ? "stdin" : file) ?? r;
        }
        if (args.Value("memory") is { } mem) (r.Memory ??= new()).Limit = Bytes(mem, "memory");
        if (args.Value("memory-reservation") is { } res) (r.Memory ??= new()).Reservation = Bytes(res, "memory-reservation");
        if (args.Value("memory-swap") is { } swap) (r.Memory ??= new()).Swap = Bytes(swap, "memory-swap");
        if (args.Value("cpu-shares") is { } shares) (r.Cpu ??= new()).Shares = (ulong)Number(shares, "cpu-shares");
        if (args.Value("cpu-quota") is { } quota) (r.Cpu ??= new()).Quota = Number(quota, "cpu-quota");
        if (args.Value("cpu-period") is { } period) (r.Cpu ??= new()).Period = (ulong)Number(period, "cpu-period");
        if (args.Value("cpu-idle") is { } idle) (r.Cpu ??= new()).Idle = Number(idle, "cpu-idle");
        if (args.Value("cpuset-cpus") is { } cpus) (r.Cpu ??= new()).Cpus = cpus;
        if (args.Value("cpuset-mems") is { } mems) (r.Cpu ??= new()).Mems = mems;
        if (args.Value("pids-limit") is { } pids) r.Pids = new SpecPids { Limit = Number(pids, "pids-limit") };
        if (args.Value("blkio-weight") is { } weight) (r.BlockIO ??= new()).Weight = (ushort)Number(weight, "blkio-weight");
        // A quota without a period keeps the current period, as runc does.
        if (r.Cpu is { Quota: not null, Period: null } cpu) cpu.Period = 100000;
        new ContainerUpdate(ctx.Store).Update(id, r);
        return 0;
    }

    static byte[] ReadStdin()
    {
        using var stdin = Console.OpenStandardInput();
        using var ms = new MemoryStream();
        stdin.CopyTo(ms);
        return ms.ToArray();
    }

    static long Number(string text, string flag) =>
        long.TryParse(text, out long n) ? n : throw new UsageException($"invalid --{flag} \"{text}\": not a number");

    /// <summary>"512m", "1G", "1024" as bytes; -1 stays -1 (unlimited).</summary>
    public static long Bytes(string text, string flag)
    {
        if (text == "-1") return -1;
        string t = text.Trim().ToLowerInvariant().TrimEnd('b');
        long scale = 1;
        if (t.Length > 0 && "kmgt".Contains(t[^1])) { scale = 1L << (10 * ("kmgt".IndexOf(t[^1]) + 1)); t = t[..^1]; }
        return long.TryParse(t, out long n) && n >= 0 ? n * scale : throw new UsageException($"invalid --{flag} \"{text}\": a size such as 512m or 1g");
    }
}
