using Rlrun.Runtime.Syscalls;

namespace Rlrun.Runtime.Overlay;

/// <summary>Puts an image container's root in place at the bundle's rootfs, by its driver: the
/// init's first step, once nothing it mounts can propagate out.</summary>
public static class LayeredRootMount
{
    public static void Mount(ISyscalls sys, LayeredRoot root, string target, Action<string>? debug)
    {
        switch (root.Driver)
        {
            case StorageDriver.Overlay: KernelOverlayMount.Mount(sys, root, target); break;
            case StorageDriver.Fuse: FuseOverlayMount.Mount(root, target); break;
            case StorageDriver.Vfs: VfsCopy.Mount(root, target); break;
            default: throw new InvalidOperationException($"{LayeredRoot.FileName}: field driver: unknown storage driver \"{root.Driver}\"");
        }
        debug?.Invoke($"init: {root.Driver} root of {root.Lowers.Count} layer(s) at {target}");
    }
}
