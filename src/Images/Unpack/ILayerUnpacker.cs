using Rlrun.Images.Oci;

namespace Rlrun.Images.Unpack;

/// <summary>Unpacks layer blobs and removes unpacked trees: in this process (as root), or in a
/// user namespace mapped like containers (rootless), where the layer's owners can be applied.</summary>
public interface ILayerUnpacker
{
    /// <summary>The maps files are owned through, container -> host ("0:1001:1,1:100000:65536").</summary>
    string UidMap { get; }
    string GidMap { get; }

    /// <param name="heldLock">the layer's flock fd, for a helper process to hold as well (-1: none)</param>
    ExtractResult Unpack(string blobPath, LayerCompression compression, string destination, int heldLock = -1);

    /// <summary>Removes a tree that may hold files of subordinate IDs (which the user cannot delete from outside).</summary>
    void Remove(string path);
}

/// <summary>Extraction in this process: for root, which owns every ID already.</summary>
public sealed class InProcessUnpacker(bool applyOwnership, Action<string>? debug) : ILayerUnpacker
{
    public string UidMap => applyOwnership ? "0:0:4294967295" : "";
    public string GidMap => UidMap;

    public ExtractResult Unpack(string blobPath, LayerCompression compression, string destination, int heldLock = -1)
    {
        if (!ImageFeatures.Fetching) throw ImageFeatures.NotCarried("layer unpack");
        using var blob = File.OpenRead(blobPath);
        using var tar = LayerExtractor.Decompress(blob, compression);
        return new LayerExtractor(destination, applyOwnership, debug).Extract(tar);
    }

    public void Remove(string path)
    {
        if (Directory.Exists(path)) TreeRemover.Remove(path);
    }
}
