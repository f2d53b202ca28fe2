using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Syscalls;
using static Rlrun.Runtime.Interop.MountCalls;

namespace Rlrun.Runtime.Rootfs;

/// <summary>Makes the MountSteps inside the rootfs, through the syscall seam.</summary>
public sealed class MountExecutor(ISyscalls sys, string rootfs, Action<string>? debug = null)
{
    public void Apply(MountStep step)
    {
        try { ApplyOnce(step); }
        // A bind fallback needs its source: without one, the refusal of the mount itself is the error.
        catch (SyscallException e) when (step.Fallback is { } fallback && (e.Errno == Libc.EPERM || e.Errno == Libc.EINVAL || e.Errno == Libc.EACCES || e.Errno == Libc.EBUSY)
            && (!fallback.Bind || sys.Exists(fallback.Source!)))
        {
            debug?.Invoke($"mount {step.Destination}: {e.Message}; using the fallback");
            ApplyOnce(fallback);
        }
    }

    void ApplyOnce(MountStep step)
    {
        if (step.Note is { } note) debug?.Invoke(note);
        // procfs and sysfs on a symlink would land wherever the container points it (CVE-2019-16884).
        string dest = "/" + step.Destination.Trim('/');
        if ((step.FsType is "proc" or "sysfs" || dest is "/proc" or "/sys") && sys.IsSymlink(Path.Join(rootfs, dest)))
            throw new SyscallException($"mount {step.FsType ?? step.Source} on", Interop.Libc.ELOOP, $"{step.Destination} (a symlink in the rootfs: refused)");
        try
        {
            using (var target = sys.OpenInRoot(rootfs, step.Destination, step.Bind && step.SourceIsFile))
            {
                if (step.Bind) sys.Mount(step.Source!, target.ProcPath, null, MS_BIND | (step.Recursive ? MS_REC : 0), null);
                else sys.Mount(step.Source, target.ProcPath, step.FsType, step.Flags & ~MS_REMOUNT, step.Data);
            }
            if (!NeedsRemount(step) && step.Propagation == 0) return;
            // The handle above points under the new mount; open the path again to reach the mount itself.
            using var mounted = sys.OpenInRoot(rootfs, step.Destination, false);
            if (NeedsRemount(step))
            {
                long current = sys.MountFlagsOf(mounted.ProcPath);
                try { sys.Mount(null, mounted.ProcPath, null, MS_BIND | MS_REMOUNT | (step.Flags & Remountable) | LockedFlags(current, step.Flags), null); }
                catch (SyscallException e) when (e.Errno == Interop.Libc.EPERM && (step.Flags & AtimeFlags) != 0)
                {
                    // A user namespace also locks the atime flags of the source: keep those instead.
                    debug?.Invoke($"mount {step.Destination}: atime options refused in a user namespace; kept the source's");
                    sys.Mount(null, mounted.ProcPath, null, MS_BIND | MS_REMOUNT | (step.Flags & Remountable & ~AtimeFlags) | LockedFlags(current, 0), null);
                }
            }
            if (step.Propagation != 0) sys.Mount(null, mounted.ProcPath, null, step.Propagation, null);
        }
        catch (SyscallException e)
        {
            string? why = step.FsType == "proc" && e.Errno == Libc.EPERM ? ProcOvermounts.Explain(ProcOvermounts.Read()) : null;
            throw new SyscallException($"mount {step.Source ?? step.FsType} ({step.FsType ?? "bind"}) on", e.Errno, step.Destination, why);
        }
    }

    static readonly ulong AtimeFlags = MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME;

    static readonly ulong Remountable = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME | MS_NOSYMFOLLOW;

    // A bind takes its flags from a remount; a filesystem mount takes them directly.
    static bool NeedsRemount(MountStep step) => step.Bind && (step.Flags & Remountable) != 0;

    /// <summary>The flags of an existing mount that a bind remount must repeat.</summary>
    public static ulong LockedFlags(long stFlags, ulong wanted)
    {
        ulong flags = 0;
        if ((stFlags & ST_NOSUID) != 0) flags |= MS_NOSUID;
        if ((stFlags & ST_NODEV) != 0) flags |= MS_NODEV;
        if ((stFlags & ST_NOEXEC) != 0) flags |= MS_NOEXEC;
        if ((stFlags & ST_RDONLY) != 0) flags |= MS_RDONLY;
        ulong atime = MS_NOATIME | MS_RELATIME | MS_STRICTATIME;
        if ((wanted & atime) == 0)
        {
            if ((stFlags & ST_NOATIME) != 0) flags |= MS_NOATIME;
            else if ((stFlags & ST_RELATIME) != 0) flags |= MS_RELATIME;
            if ((stFlags & ST_NODIRATIME) != 0) flags |= MS_NODIRATIME;
        }
        return flags;
    }
}
