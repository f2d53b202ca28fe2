using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Syscalls;
using static Rlrun.Runtime.Interop.MountCalls;

namespace Rlrun.Runtime.Rootfs;

/// <summary>Makes the rootfs the process's root: pivot_root, or chroot with --no-pivot.</summary>
public static class RootSwitch
{
    public static void PivotRoot(ISyscalls sys, string rootfs)
    {
        // pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the new.
        int oldRoot = SyscallException.Check(Libc.open("/", Libc.O_DIRECTORY | Libc.O_RDONLY | Libc.O_CLOEXEC, 0), "open", "/");
        try
        {
            sys.Chdir(rootfs);
            sys.PivotRoot(".", ".");
            sys.Fchdir(oldRoot);
            // Keep the detach from propagating to the host's mounts.
            sys.Mount(null, ".", null, MS_SLAVE | MS_REC, null);
            sys.Umount(".", MNT_DETACH);
            sys.Chdir("/");
        }
        finally { Libc.close(oldRoot); }
    }

    public static void Chroot(ISyscalls sys, string rootfs)
    {
        sys.Chdir(rootfs);
        sys.Mount(rootfs, "/", null, MS_MOVE, null);
        sys.Chroot(".");
        sys.Chdir("/");
    }
}
