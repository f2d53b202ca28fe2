using Rlrun.Images.Run;
using Rlrun.Runtime.Container;
using Rlrun.Runtime.State;

namespace Rlrun.Cli.Commands;

/// <summary>What delete does past runc's for a container made from an image: its writable layer
/// and per-container files go, and the image loses its reference. The mounts need nothing: they
/// live in the container's mount namespace (and a fuse daemon in its PID namespace), gone with it.</summary>
static class ImageContainerCleanup
{
    /// <summary>The container's bundle, read before the delete removes its state; when the state
    /// is gone already (a reboot empties $XDG_RUNTIME_DIR), the store's directory for that ID.</summary>
    public static string? BundleOf(CommandContext ctx, string id)
    {
        try { return new ContainerQuery(ctx.Store).State(id).Bundle; }
        catch (ContainerNotFoundException) { }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException) { }
        try
        {
            string root = ctx.Settings.Storage ?? Images.Store.StorePaths.Default();
            return ImageContainerPaths.Dir(new Images.Store.StorePaths(Path.GetFullPath(root)), id);
        }
        catch (InvalidOperationException) { return null; }
    }

    /// <returns>whether there was an image container's directory to remove</returns>
    public static bool Remove(CommandContext ctx, string? bundle)
    {
        if (bundle is null || ImageContainerRecord.Read(bundle) is null) return false;
        ImageContainerRemoval.Remove(bundle, () => ImageStoreArgs.Unpacker(ctx));
        return true;
    }
}
