using Rlrun.Images.Layout;
using Rlrun.Images.Oci;
using Rlrun.Images.Store;

namespace Rlrun.Cli.Commands;

/// <summary>`image import SOURCE [NAME[:TAG]]`: an OCI layout directory (DIR, oci:DIR[:REF]),
/// oci-archive:FILE[:REF] or docker-archive:FILE[:NAME[:TAG]] into the store. Prints the image ID.</summary>
public sealed class ImageImportCommand : IImageCommand
{
    public string Name => "image import";
    public string Usage => "[--storage DIR] SOURCE [NAME[:TAG]]";
    public string Summary => "import an image from an OCI layout, oci-archive: or docker-archive:";
    public IReadOnlyList<Flag> Flags { get; } = [ImageStoreArgs.Storage];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        if (!Images.ImageFeatures.Fetching) return FullBinary.Exec(Name);
        if (args.Positional.Count is < 1 or > 2) throw new UsageException("usage: rlrun image import SOURCE [NAME[:TAG]]");
        var name = args.Positional.Count > 1 ? ImageReference.Parse(args.Positional[1]) : null;
        var store = ImageStoreArgs.Open(ctx, args);
        using var source = ImageSources.Open(args.Positional[0], store.Paths);
        var image = new ImageImporter(store, ctx.Log.DebugEnabled ? ctx.Log.Debug : null).Import(source, name);
        if (image.Names.Count == 0) ctx.Log.Warn($"image {ImageStoreArgs.ShortId(image.Id)} has no name: give one (rlrun image import SOURCE NAME[:TAG])");
        Console.WriteLine(image.Id);
        return 0;
    }
}
