using System.Text;
using System.Text.Json;
using Rlrun.Images.Store;

namespace Rlrun.Cli.Commands;

/// <summary>`images [--format table|json] [-q] [NAME[:TAG]]`: podman's columns, one row per name (an unnamed image shows &lt;none&gt;);
/// with NAME, only the images one of whose names matches it (ImageNameFilter), as podman's.</summary>
public sealed class ImagesCommand : IImageCommand
{
    public string Name => "images";
    public string Usage => "[--storage DIR] [--format table|json] [--quiet] [--all] [NAME[:TAG]]";
    public string Summary => "list the images in the store";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        ImageStoreArgs.Storage,
        new(["format", "f"], true, "table (default) or json"),
        new(["quiet", "q"], false, "print only the image IDs"),
        // podman's -a adds intermediate images of builds; the store has none, so every image is listed anyway.
        new(["all", "a"], false, "every image (accepted for podman's command lines: the list is the same)"),
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        string format = args.Value("format") ?? "table";
        if (format is not ("table" or "json")) throw new UsageException($"invalid --format \"{format}\": table or json");
        if (args.Positional.Count > 1) throw new UsageException($"unexpected argument \"{args.Positional[1]}\" (images takes one NAME[:TAG] to list)");
        var images = ImageStoreArgs.Open(ctx, args).List().OrderByDescending(i => i.Imported).ToList();
        if (args.Positional.Count == 1) images = images.Where(i => ImageNameFilter.Matches(i, args.Positional[0])).ToList();
        if (args.Bool("quiet")) { foreach (var i in images) Console.WriteLine(ImageStoreArgs.ShortId(i.Id)); return 0; }
        if (format == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(images, Readable.ListImageRecord));
            return 0;
        }
        Console.Write(Table(images));
        return 0;
    }

    // Media types keep their '+' (the default escapes it as \u002B).
    static readonly StoreJsonContext Readable = new(new JsonSerializerOptions(StoreJsonContext.Default.Options)
        { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    static string Table(IReadOnlyList<ImageRecord> images)
    {
        string[] header = ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"];
        var rows = new List<string[]> { header };
        foreach (var i in images)
        {
            string created = i.Created?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ") ?? "unknown";
            var names = i.Names.Count > 0 ? i.Names : ["<none>:<none>"];
            foreach (var n in names)
            {
                // A pull by digest is named REPO@DIGEST: no tag, as podman shows it.
                int at = n.IndexOf('@'), colon = n.LastIndexOf(':');
                var (repo, tag) = at > 0 ? (n[..at], "<none>") : (n[..colon], n[(colon + 1)..]);
                rows.Add([repo, tag, ImageStoreArgs.ShortId(i.Id), created, ImageStoreArgs.HumanSize(i.Size)]);
            }
        }
        var widths = Enumerable.Range(0, header.Length).Select(c => rows.Max(r => r[c].Length) + 2).ToArray();
        var sb = new StringBuilder();
        foreach (var r in rows)
        {
            for (int c = 0; c < r.Length; c++) sb.Append(c == r.Length - 1 ? r[c] : r[c].PadRight(widths[c]));
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
