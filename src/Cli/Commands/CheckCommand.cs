using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Rlrun.Runtime.Host;

namespace Rlrun.Cli.Commands;

/// <summary>`check [--format table|json]`: the host's rootless prerequisites, one line each
/// (ok, warn or fail, with the fix under what is not ok), or a JSON object. Exit 0 when a
/// container can run (no check fails), 1 otherwise.</summary>
public sealed class CheckCommand : ICommand
{
    public string Name => "check";
    public string Usage => "[--format table|json]";
    public string Summary => "check the host's rootless prerequisites";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        new(["format", "f"], true, "table (default) or json"),
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        string format = args.Value("format") ?? "table";
        if (format is not ("table" or "json")) throw new UsageException($"invalid --format \"{format}\": table or json");
        if (args.Positional.Count > 0) throw new UsageException($"unexpected argument \"{args.Positional[0]}\"");
        var report = HostCheckReport.Run();
        report = report with { Checks = [.. report.Checks, StorageDriverLine(ctx)] };
        Console.Write(format == "json" ? Json(report) : Table(report.Checks));
        return report.CanRun ? 0 : 1;
    }

    // On the image store's file system, which is what overlay sits on.
    static CheckResult StorageDriverLine(CommandContext ctx)
    {
        try { return Runtime.Overlay.StorageDriverCheck.Run(ctx.Settings.Storage ?? Images.Store.StorePaths.Default()); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return CheckResult.Warn(Runtime.Overlay.StorageDriverCheck.Name, $"could not check: {e.Message.Replace('\n', ' ')}", "give a writable image store: rlrun.json \"storage\"");
        }
    }

    /// <summary>STATUS  NAME  detail, in aligned columns; each line of a fix under the detail.</summary>
    public static string Table(IReadOnlyList<CheckResult> checks)
    {
        int statusWidth = 4 + 2; // "fail", "warn"
        int nameWidth = checks.Count == 0 ? 0 : checks.Max(c => c.Name.Length) + 2;
        string indent = new(' ', statusWidth + nameWidth);
        var sb = new StringBuilder();
        foreach (var c in checks)
        {
            sb.Append(c.StatusText.PadRight(statusWidth)).Append(c.Name.PadRight(nameWidth)).Append(c.Detail).Append('\n');
            foreach (var line in c.FixLines) sb.Append(indent).Append(line).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>{"checks":[{"name","status","detail","fix"}...],"canRun":bool}; fix is null when ok.
    /// Relaxed escaping: "&gt;=" stays readable (the output is never embedded in HTML).</summary>
    public static string Json(HostCheckReport report)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartArray("checks");
            foreach (var c in report.Checks)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("status", c.StatusText);
                w.WriteString("detail", c.Detail);
                if (c.Fix is null) w.WriteNull("fix");
                else w.WriteString("fix", c.Fix);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteBoolean("canRun", report.CanRun);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
