using Rlrun.Images.Run;
using Rlrun.Images.Store;

namespace Rlrun.Images.Registry;

/// <summary>`run --image` of an image not in the store: pulled as `rlrun pull` would, with its
/// progress on stderr (podman prints it the same way before the container starts).</summary>
public sealed class RegistryImageFetcher(IPullProgress progress, Action<string>? debug) : IImageFetcher
{
    public async Task<ImageRecord> FetchAsync(ImageStore store, string reference, CancellationToken ct)
    {
        try { return await new ImagePuller(store, debug).PullAsync(reference, new PullOptions { Progress = progress }, ct); }
        // One line that says both: not here, and not to be had from the registry (and why).
        catch (Exception e) when (e is RegistryException or HttpRequestException)
        { throw new ImageNotFoundException(reference, $"not in the store, and pulling it failed: {e.Message}"); }
        finally { progress.Finish(); }
    }
}
