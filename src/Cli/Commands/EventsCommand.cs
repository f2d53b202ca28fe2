using System.Text.Json;
using Rlrun.Runtime.Cgroups;
using Rlrun.Runtime.Container;
using Rlrun.Runtime.State;

namespace Rlrun.Cli.Commands;

/// <summary>`events [--stats] [--interval 5s] ID`: JSON lines, as runc prints them: a stats event
/// every interval, and an oom event whenever the kernel OOM-kills in the container.</summary>
public sealed class EventsCommand : ICommand
{
    public string Name => "events";
    public string Usage => "[--stats] [--interval DURATION] <container-id>";
    public string Summary => "display container events: OOM kills and resource usage";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        new(["stats"], false, "print the resource usage once and exit"),
        new(["interval"], true, "how often to print usage (default 5s; e.g. 500ms, 2s, 1m)"),
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        string id = CommandArgs.SingleId(args, Name);
        var interval = Duration(args.Value("interval") ?? "5s");
        var query = new ContainerQuery(ctx.Store);
        var state = query.State(id);
        if (state.Status == ContainerStatus.Stopped) throw new InvalidOperationException($"container {id} is not running");
        var cg = ContainerCgroups.Required(state, "read events of");
        if (args.Bool("stats")) { Print("stats", id, cg.Path); return 0; }
        ulong ooms = CgroupStats.OomKills(cg.Path);
        var nextStats = DateTime.UtcNow;
        while (query.State(id).Status != ContainerStatus.Stopped)
        {
            ulong now = CgroupStats.OomKills(cg.Path);
            if (now > ooms) { Print("oom", id, null); ooms = now; }
            if (DateTime.UtcNow >= nextStats) { Print("stats", id, cg.Path); nextStats = DateTime.UtcNow + interval; }
            Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(200, interval.TotalMilliseconds)));
        }
        return 0;
    }

    static void Print(string type, string id, string? statsDir)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            w.WriteString("id", id);
            if (statsDir is not null) { w.WritePropertyName("data"); CgroupStats.Write(w, statsDir); }
            w.WriteEndObject();
        }
        Console.WriteLine(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
    }

    /// <param name="name">the flag or setting the value came from, for the error</param>
    public static TimeSpan Duration(string text, string name = "--interval", bool allowZero = false)
    {
        (string unit, double scale)[] units = [("ms", 1), ("s", 1000), ("m", 60000), ("h", 3600000)];
        foreach (var (unit, scale) in units)
            if (text.EndsWith(unit) && double.TryParse(text[..^unit.Length], System.Globalization.CultureInfo.InvariantCulture, out double v)
                && (v > 0 || (allowZero && v == 0)) && !(unit == "s" && text.EndsWith("ms")))
                return TimeSpan.FromMilliseconds(v * scale);
        throw new UsageException($"invalid {name} \"{text}\": a duration such as 500ms, 5s or 1m{(allowZero ? " (0ms: none)" : "")}");
    }
}
