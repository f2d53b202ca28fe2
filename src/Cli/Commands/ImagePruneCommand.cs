using Rlrun.Images.Store;

namespace Rlrun.Cli.Commands;

/// <summary>`image prune`: deletes unnamed images no container uses, then the layers and blobs no
/// image references (those an interrupted import left too). Prints the deleted image IDs.</summary>
public sealed class ImagePruneCommand : IImageCommand
{
    public string Name => "image prune";
    public string Usage => "[--storage DIR]";
    public string Summary => "remove unnamed images and unused layers and blobs";
    public IReadOnlyList<Flag> Flags { get; } = [ImageStoreArgs.Storage];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        if (args.Positional.Count > 0) throw new UsageException($"unexpected argument \"{args.Positional[0]}\"");
        var store = ImageStoreArgs.Open(ctx, args);
        foreach (var id in new ImageCollector(store, ctx.Log.DebugEnabled ? ctx.Log.Debug : null).Prune()) Console.WriteLine(id);
        return 0;
    }
}
