using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Syscalls;
using static Rlrun.Runtime.Interop.MountCalls;

namespace Rlrun.Runtime.Rootfs;

/// <summary>linux.maskedPaths and linux.readonlyPaths, applied after the root switch.</summary>
public static class PathMasks
{
    public static void Mask(ISyscalls sys, IEnumerable<string>? paths, string devNull)
    {
        foreach (var p in paths ?? [])
        {
            using var h = sys.TryOpenInRoot("/", p);
            if (h is null) continue;
            try
            {
                if (sys.IsDirectory(h.ProcPath)) sys.Mount("tmpfs", h.ProcPath, "tmpfs", MS_RDONLY, "size=0k");
                else sys.Mount(devNull, h.ProcPath, null, MS_BIND, null);
            }
            catch (SyscallException e) { throw new SyscallException("mask", e.Errno, p); }
        }
    }

    public static void MakeReadonly(ISyscalls sys, IEnumerable<string>? paths)
    {
        foreach (var p in paths ?? [])
        {
            using var h = sys.TryOpenInRoot("/", p);
            if (h is null) continue;
            try
            {
                sys.Mount(h.ProcPath, h.ProcPath, null, MS_BIND | MS_REC, null);
                // Re-open: the bind is a new mount on top of the one the handle points into.
                using var top = sys.TryOpenInRoot("/", p) ?? throw new SyscallException("open", Libc.ENOENT, p);
                sys.Mount(null, top.ProcPath, null, MS_BIND | MS_REMOUNT | MS_RDONLY | MountExecutor.LockedFlags(sys.MountFlagsOf(top.ProcPath), 0), null);
            }
            catch (SyscallException e) { throw new SyscallException("readonly", e.Errno, p); }
        }
    }
}
