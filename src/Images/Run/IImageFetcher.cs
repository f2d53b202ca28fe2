using Rlrun.Images.Store;

namespace Rlrun.Images.Run;

/// <summary>Gets an image that is not in the store yet (a registry pull). The image run only asks
/// through this seam: the pull command's side registers itself in <see cref="ImageFetcher.Current"/>
/// (ImagePuller.PullAsync behind it); without one, a missing image is an error naming the ways in.</summary>
public interface IImageFetcher
{
    Task<ImageRecord> FetchAsync(ImageStore store, string reference, CancellationToken ct);
}

public static class ImageFetcher
{
    /// <summary>Set once at start-up by whoever can pull (null: only imported images run).</summary>
    public static IImageFetcher? Current { get; set; }

    /// <summary>The image the reference names: from the store, else fetched.</summary>
    public static ImageRecord Get(ImageStore store, string reference, Action<string>? debug)
    {
        try { return store.Resolve(reference); }
        catch (ImageNotFoundException) when (Current is { } fetcher)
        {
            debug?.Invoke($"image {reference} is not in the store: pulling it");
            return fetcher.FetchAsync(store, reference, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (ImageNotFoundException)
        {
            throw new ImageNotFoundException(reference, "rlrun image import SOURCE NAME gets it into the store");
        }
    }
}
