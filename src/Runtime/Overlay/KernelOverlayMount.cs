using Rlrun.Runtime.Syscalls;

namespace Rlrun.Runtime.Overlay;

/// <summary>Kernel overlayfs, mounted by the init as root of the container's user namespace (Linux
/// 5.11+). userxattr: overlay keeps its own attributes (opaque directories, redirects) in user.overlay.*,
/// the only namespace a user namespace may write, which is also where the unpacker put them.</summary>
public static class KernelOverlayMount
{
    public static void Mount(ISyscalls sys, LayeredRoot root, string target)
    {
        string options = MountOptionLimit.Options(root, userxattr: true);
        // The short links are relative to the store: the mount resolves them from our cwd.
        sys.Chdir(root.Store);
        sys.Mount("overlay", target, "overlay", 0, options);
    }
}
