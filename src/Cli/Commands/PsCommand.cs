using Rlrun.Runtime.Container;

namespace Rlrun.Cli.Commands;

/// <summary>`ps [--format table|json] ID [-- ps args]`: the container's processes; json is their
/// PIDs, table is ps(1)'s output (default -ef) cut to them, as runc does.</summary>
public sealed class PsCommand : ICommand
{
    public string Name => "ps";
    public string Usage => "[--format table|json] <container-id> [-- ps options]";
    public string Summary => "list the processes running inside a container";
    public IReadOnlyList<Flag> Flags { get; } = [new(["format", "f"], true, "table (default) or json")];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        if (args.Positional.Count == 0) throw new UsageException("\"ps\" requires a container id (runc's ps: the processes of one container; the containers are rlrun list, podman's ps)");
        string format = args.Value("format") ?? "table";
        if (format is not ("table" or "json")) throw new UsageException($"invalid --format \"{format}\": table or json");
        var pids = new ContainerQuery(ctx.Store).Processes(args.Positional[0]);
        if (format == "json")
        {
            Console.WriteLine("[" + string.Join(",", pids) + "]");
            return 0;
        }
        var psArgs = args.Positional.Skip(1).SkipWhile(a => a == "--").ToList();
        Console.Write(ProcessTable.Filter(psArgs.Count > 0 ? psArgs : ["-ef"], pids));
        return 0;
    }
}
