using Rlrun.Images.Store;

namespace Rlrun.Cli.Commands;

/// <summary>`rmi [--force] REF...`: untags a name the image shares, else deletes the image and the
/// layers and blobs no other image uses. Refused while a container uses the image; with --force
/// such an image loses its names and stays until its containers are deleted.</summary>
public sealed class RmiCommand : IImageCommand
{
    public string Name => "rmi";
    public string Usage => "[--storage DIR] [--force] [--ignore] REF...";
    public string Summary => "remove images (by name, ID or ID prefix)";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        ImageStoreArgs.Storage,
        new(["force", "f"], false, "remove images that containers use (and, as podman's, say nothing of images that are not there)"),
        new(["ignore", "i"], false, "say nothing of images that are not there"),
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        if (args.Positional.Count == 0) throw new UsageException("\"rmi\" requires at least one image");
        var store = ImageStoreArgs.Open(ctx, args);
        var collector = new ImageCollector(store, ctx.Log.DebugEnabled ? ctx.Log.Debug : null);
        // podman's rmi: --force implies --ignore; an image not there is then no error.
        bool ignore = args.Bool("ignore") || args.Bool("force");
        int failed = 0;
        foreach (var reference in args.Positional)
        {
            try
            {
                var r = collector.Remove(reference, args.Bool("force"));
                foreach (var n in r.Untagged) Console.WriteLine($"Untagged: {n}");
                foreach (var id in r.Deleted) Console.WriteLine($"Deleted: {id}");
                if (r.KeptFor is { Count: > 0 } users)
                    ctx.Log.Warn($"rmi: image \"{reference}\" is in use by container{(users.Count > 1 ? "s" : "")} {string.Join(", ", users)}: it keeps its layers, without a name, until they are deleted (then image prune removes it)");
            }
            catch (ImageNotFoundException) when (ignore) { }
            catch (Exception e) when (e is ImageNotFoundException or InvalidOperationException or ArgumentException)
            {
                ctx.Log.Error($"rmi: {e.Message}");
                failed++;
            }
        }
        return failed == 0 ? 0 : 1;
    }
}
