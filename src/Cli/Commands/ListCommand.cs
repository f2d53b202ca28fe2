using System.Text;
using Rlrun.Runtime.Container;
using Rlrun.Runtime.State;

namespace Rlrun.Cli.Commands;

/// <summary>`list [--format table|json] [-q]`: runc's columns, or its JSON array.</summary>
public sealed class ListCommand : ICommand
{
    public string Name => "list";
    public string Usage => "[--format table|json] [--quiet]";
    public string Summary => "list the containers";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        new(["format", "f"], true, "table (default) or json"),
        new(["quiet", "q"], false, "print only the container IDs"),
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        string format = args.Value("format") ?? "table";
        if (format is not ("table" or "json")) throw new UsageException($"invalid --format \"{format}\": table or json");
        DaemonClient.Revive(ctx);
        var states = new ContainerQuery(ctx.Store).List();
        if (args.Bool("quiet")) { foreach (var s in states) Console.WriteLine(s.Id); return 0; }
        if (format == "json")
        {
            // runc prints null for no containers; an empty array is what every JSON reader expects.
            Console.WriteLine(Encoding.UTF8.GetString(StateJson.SerializeList(states)));
            return 0;
        }
        Console.Write(Table(states));
        return 0;
    }

    static string? ImageOf(ContainerState s) =>
        s.Annotations?.GetValueOrDefault(Images.Run.ImageSpecBuilder.ImageAnnotation);

    // runc's tabwriter: minimum width 12, padding 3. An IMAGE column comes last, and only when a
    // container was made from an image: runc's table stays as it is for bundles.
    public static string Table(IReadOnlyList<ContainerState> states)
    {
        bool images = states.Any(s => ImageOf(s) is not null);
        string[] header = images ? ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER", "IMAGE"] : ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"];
        var rows = new List<string[]> { header };
        rows.AddRange(states.Select(s =>
        {
            string[] row = [s.Id, s.Pid.ToString(), s.Status, s.Bundle, s.Created.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ"), s.Owner];
            return images ? [.. row, ImageOf(s) ?? ""] : row;
        }));
        var widths = Enumerable.Range(0, header.Length).Select(c => Math.Max(12, rows.Max(r => r[c].Length) + 3)).ToArray();
        var sb = new StringBuilder();
        foreach (var r in rows)
        {
            for (int c = 0; c < r.Length; c++) sb.Append(c == r.Length - 1 ? r[c] : r[c].PadRight(widths[c]));
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
