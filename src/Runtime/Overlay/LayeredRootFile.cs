using System.Text.Json;
using Rlrun.Runtime.Spec;

namespace Rlrun.Runtime.Overlay;

/// <summary>Reads a bundle's layers.json (absent: a plain bundle) and checks what the init will
/// need, so a broken one fails in create with its field named, before any namespace exists.</summary>
public static class LayeredRootFile
{
    public static LayeredRoot? Load(string bundle, Spec.OciSpec spec)
    {
        string path = Path.Join(bundle, LayeredRoot.FileName);
        if (!File.Exists(path)) return null;
        byte[] json = File.ReadAllBytes(path);
        LayeredRoot root;
        try { root = LayeredRootJson.Read(json) ?? throw new SpecError($"{path}: empty"); }
        catch (JsonException e) { throw new SpecError(SpecJsonError.Describe(json, path, "layered root", e)); }
        return Check(root, bundle, spec);
    }

    /// <summary>The checks of <see cref="Load"/>, of a layered root already in memory (the image run's
    /// own, written as layers.json in the bundle); null: a plain bundle.</summary>
    public static LayeredRoot? Check(LayeredRoot? root, string bundle, Spec.OciSpec spec)
    {
        if (root is null) return null;
        string path = Path.Join(bundle, LayeredRoot.FileName);
        if (root.Driver is not (StorageDriver.Overlay or StorageDriver.Fuse or StorageDriver.Vfs))
            throw new SpecError($"{path}: field driver: \"{root.Driver}\" is not overlay, fuse-overlayfs or vfs");
        if (root.Lowers.Count == 0) throw new SpecError($"{path}: field lowers: no layer");
        foreach (var (lower, full) in root.Lowers.Zip(root.LowerPaths))
            if (!Directory.Exists(full)) throw new SpecError($"{path}: field lowers: layer {lower} ({full}) is missing from the image store");
        foreach (var (field, dir) in new[] { ("upper", root.Upper), ("work", root.Work) })
            if (!Directory.Exists(dir)) throw new SpecError($"{path}: field {field}: {dir} does not exist");
        // The fuse daemon must die with the container: only a PID namespace of its own guarantees that.
        if (root.Driver == StorageDriver.Fuse && !(spec.Linux?.Namespaces?.Any(n => n.Type == "pid" && string.IsNullOrEmpty(n.Path)) ?? false))
            throw new SpecError($"{path}: field driver: fuse-overlayfs needs a new PID namespace in config.json (its daemon dies with it)");
        if (root.Driver == StorageDriver.Fuse) root.FuseOverlayfs ??= Host.ToolLookup.Find("fuse-overlayfs")
            ?? throw new SpecError($"{path}: field driver: fuse-overlayfs is not installed (apt-get install fuse-overlayfs)");
        return root;
    }
}
