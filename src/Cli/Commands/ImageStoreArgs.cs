using Rlrun.Images.Store;
using Rlrun.Images.Unpack;
using Rlrun.Runtime.Interop;

namespace Rlrun.Cli.Commands;

/// <summary>Marks the commands that use the image store: their flags are accepted anywhere on the line.</summary>
public interface IImageCommand : ICommand;

/// <summary>--storage, and opening the store it names (else rlrun.json's "storage", else the default).</summary>
static class ImageStoreArgs
{
    public static readonly Flag Storage = new(["storage"], true, "image store directory (default $XDG_DATA_HOME/rlrun/storage; rlrun.json \"storage\")");

    public static ImageStore Open(CommandContext ctx, ParsedArgs args)
    {
        string root = args.Value("storage") ?? ctx.Settings.Storage ?? StorePaths.Default();
        return ImageStore.Open(root, Unpacker(ctx), ctx.Log.DebugEnabled ? ctx.Log.Debug : null);
    }

    public static ILayerUnpacker Unpacker(CommandContext ctx)
    {
        Action<string>? debug = ctx.Log.DebugEnabled ? ctx.Log.Debug : null;
        // Root owns every ID already; a user unpacks in a user namespace mapped like containers.
        return ProcessCalls.geteuid() == 0 ? new InProcessUnpacker(applyOwnership: true, debug) : UserNamespaceUnpacker.ForCaller(debug);
    }

    public static string ShortId(string id) => id[..12];

    /// <summary>Sizes as podman prints them (SI units).</summary>
    public static string HumanSize(long bytes)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB"];
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.Length - 1) { v /= 1000; u++; }
        return u == 0 ? $"{bytes} B" : $"{v:0.##} {units[u]}";
    }
}
