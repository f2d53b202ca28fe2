using System.Text;
using Tmds.Linux;
using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Overlay;

/// <summary>fuse-overlayfs, started by the init inside the container's user, mount and PID
/// namespaces, before the root switch. Its daemon is a process of the container's PID namespace, so
/// the kernel kills it when the container's PID 1 dies, whoever dies first (the container, rlrun,
/// the daemon): nothing outlives the container, and no unmount is needed outside (the mount
/// namespace goes with it).
/// Two things keep it from deadlocking on itself: pivot_root moves the root of every process of the
/// namespace whose root is the old one, which would send the daemon's own path lookups (upperdir ...)
/// through its own mount. So the daemon runs chrooted in a recursive bind of the current root (a
/// different mount: pivot_root leaves it alone), and the init mounts the fuse file system itself at
/// the rootfs and hands the daemon the /dev/fuse fd ("/dev/fd/N" as the mount point, libfuse 3.3+).</summary>
public static unsafe class FuseOverlayMount
{
    const int FuseFd = 3;

    public static void Mount(LayeredRoot root, string target)
    {
        string tool = root.FuseOverlayfs ?? throw new InvalidOperationException("storage driver fuse-overlayfs: fuse-overlayfs was not found (apt-get install fuse-overlayfs)");
        string chroot = Host.ToolLookup.Find("chroot") ?? throw new InvalidOperationException("storage driver fuse-overlayfs: chroot(1) was not found (coreutils)");
        // No short links here: the daemon parses its options itself, with no one-page limit.
        string options = $"lowerdir={string.Join(':', root.LowerPaths)},upperdir={root.Upper},workdir={root.Work}";
        string daemonRoot = Path.Join(Path.GetDirectoryName(root.Upper)!, "fuse-root");
        Directory.CreateDirectory(daemonRoot);
        SyscallException.Check(MountCalls.mount("/", daemonRoot, null, MountCalls.MS_BIND | MountCalls.MS_REC, null), "mount", $"rbind / on {daemonRoot}");

        int fuse = SyscallException.Check(Libc.open("/dev/fuse", Libc.O_RDWR | Libc.O_CLOEXEC, 0), "open", "/dev/fuse");
        try
        {
            SyscallException.Check(MountCalls.mount("fuse-overlayfs", target, "fuse.fuse-overlayfs", MountCalls.MS_NODEV | MountCalls.MS_NOATIME,
                $"fd={fuse},rootmode=40000,user_id=0,group_id=0,default_permissions,allow_other"), "mount", $"fuse on {target}");
            Start(chroot, daemonRoot, tool, options, fuse, target);
        }
        finally { Libc.close(fuse); }
    }

    static void Start(string chroot, string daemonRoot, string tool, string options, int fuse, string target)
    {
        // Our own fds (the init socket, the exec fifo, preserved fds) must not reach the daemon, or a
        // runtime waiting for the socket's end would wait for the fuse daemon: all close at its exec.
        // Exec clears close-on-exec again on the preserved ones before the container's execve.
        SyscallException.Check(FileCalls.close_range(3, uint.MaxValue, FileCalls.CLOSE_RANGE_CLOEXEC), "close_range");
        int* fds = stackalloc int[2];
        SyscallException.Check(Pipe.pipe2(fds, Libc.O_CLOEXEC), "pipe2");
        int devNull = Libc.open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC, 0);
        int pid;
        try
        {
            var map = new List<(int, int)> { (fds[1], 2), (fuse, FuseFd) };
            if (devNull >= 0) { map.Add((devNull, 0)); map.Add((devNull, 1)); }
            pid = SpawnCalls.Spawn(chroot, ["chroot", daemonRoot, tool, "-o", options, $"/dev/fd/{FuseFd}"], ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], map);
        }
        finally
        {
            Libc.close(fds[1]);
            if (devNull >= 0) Libc.close(devNull);
        }
        int status = ProcessCalls.WaitStatus(pid);
        // The daemon points its stderr at /dev/null: only what was said before it forked is read.
        string said = Drain(fds[0]);
        Libc.close(fds[0]);
        int code = ProcessCalls.ExitCodeOf(status);
        if (code != 0)
        {
            MountCalls.umount2(target, MountCalls.MNT_DETACH);
            throw new InvalidOperationException($"fuse-overlayfs exited with status {code}: {(said.Length > 0 ? said : "no message")}");
        }
    }

    static string Drain(int fd)
    {
        var text = new StringBuilder();
        var buf = stackalloc byte[4096];
        var p = new pollfd { fd = fd, events = ProcessCalls.POLLIN };
        // Bounded: a daemon that kept our pipe open must not hold up the container.
        while (ProcessCalls.poll(&p, 1, 200) > 0)
        {
            nint n = Libc.read(fd, buf, 4096);
            if (n <= 0) break;
            text.Append(Encoding.UTF8.GetString(buf, (int)n));
            if (text.Length > 2000) break;
        }
        return string.Join(" ", text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
