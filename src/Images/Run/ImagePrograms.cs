namespace Rlrun.Images.Run;

/// <summary>Whether a bare word names a program of an image, as its PATH would find it, read from
/// the unpacked layers (<see cref="LayerFiles"/>'s rules). The image form is `--image REF [ID]
/// [-- CMD]`; podman's is `IMAGE [CMD]`, so `rlrun run -it --image IMG sh` ran the image's own
/// command in a container called sh. An ID that is a program of the image is refused, saying
/// both ways to write what was meant.</summary>
public static class ImagePrograms
{
    /// <param name="env">the image's Env (its PATH, else podman's default)</param>
    /// <returns>the program's path in the image, or null</returns>
    public static string? Find(IReadOnlyList<string> layersTopFirst, string word, IEnumerable<string>? env)
    {
        if (word.Length == 0 || word.Contains('/')) return null;
        foreach (var dir in Rlrun.Runtime.Process.ExecutableLookup.SearchPath(env).Split(':'))
        {
            if (!dir.StartsWith('/')) continue;
            string candidate = Path.Join(dir, word);
            if (LayerFiles.Exists(layersTopFirst, candidate)) return candidate;
        }
        return null;
    }
}
