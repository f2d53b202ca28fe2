using System.Text.Json;
using System.Text.Json.Nodes;
using Rlrun.Images.Oci;
using Rlrun.Images.Store;

namespace Rlrun.Cli.Commands;

/// <summary>`image inspect REF`: a JSON array with the image's record, its config document, and
/// the records of its layers (where each is unpacked, in which form, through which ID maps).</summary>
public sealed class ImageInspectCommand : IImageCommand
{
    public string Name => "image inspect";
    public string Usage => "[--storage DIR] REF";
    public string Summary => "show an image's record, config and layers as JSON";
    public IReadOnlyList<Flag> Flags { get; } = [ImageStoreArgs.Storage];

    public int Run(CommandContext ctx, ParsedArgs args)
    {
        if (args.Positional.Count != 1) throw new UsageException("usage: rlrun image inspect REF");
        var store = ImageStoreArgs.Open(ctx, args);
        var index = store.Index.Read();
        var image = store.Resolve(args.Positional[0]);
        var node = JsonSerializer.SerializeToNode(image, StoreJsonContext.Default.ImageRecord)!.AsObject();
        node["users"] = new JsonArray([.. ContainerReferences.Of(store.Paths, image).Select(u => (JsonNode)JsonValue.Create(u)!)]);
        node["config"] = JsonNode.Parse(store.Blobs.Read(Digest.Parse(image.ConfigDigest, "config_digest")));
        var layers = new JsonArray();
        foreach (var l in image.Layers)
        {
            var hex = Digest.Parse(l.DiffId, "diff_id").Hex;
            var entry = index.Layers.TryGetValue(hex, out var rec)
                ? JsonSerializer.SerializeToNode(rec, StoreJsonContext.Default.LayerRecord)!.AsObject() : new JsonObject();
            entry["path"] = store.Paths.LayerDiff(new Digest(hex));
            layers.Add((JsonNode)entry);
        }
        node["layer_records"] = layers;
        // '+' in media types and time zones as is, not \u002B (as `images --format json` writes them).
        Console.WriteLine(new JsonArray(node).ToJsonString(new JsonSerializerOptions
            { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        return 0;
    }
}
