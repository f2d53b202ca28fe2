using Rlrun.Images.Store;

namespace Rlrun.Cli.Commands;

/// <summary>`image prune`: deletes unnamed images no container uses, then the layers and blobs no
/// image references (those an interrupted import left too). Prints the deleted image IDs, one a
/// line, as podman does (nothing when there was none).</summary>
public sealed class ImagePruneCommand : IImageCommand
{
    public string Name => "image prune";
    public string Usage => "[--storage DIR] [--all] [--force]";
    public string Summary => "remove unnamed images and unused layers and blobs";
    public IReadOnlyList<Flag> Flags { get; } =
    [
        ImageStoreArgs.Storage,
        new(["all", "a"], false, "remove every image no container uses, named or not (podman's -a)"),
        // podman asks first unless -f; rlrun never asks, so a podman user's -f changes nothing.
        new(["force", "f"], false, "do not ask (rlrun never does: accepted for podman's command lines)"),
    ];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        if (args.Positional.Count > 0) throw new UsageException($"unexpected argument \"{args.Positional[0]}\"");
        var store = ImageStoreArgs.Open(ctx, args);
        foreach (var id in new ImageCollector(store, ctx.Log.DebugEnabled ? ctx.Log.Debug : null).Prune(args.Bool("all"))) Console.WriteLine(id);
        return 0;
    }
}
