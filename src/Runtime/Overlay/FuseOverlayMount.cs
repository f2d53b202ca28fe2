using System.Text;
using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Overlay;

/// <summary>fuse-overlayfs, started by the init inside the container's user, mount and PID
/// namespaces, before the root switch. It daemonizes once the mount exists; its daemon is then a
/// process of the container's PID namespace, so the kernel kills it when the container's PID 1 dies,
/// whoever dies first (the container, rlrun, the daemon): nothing outlives the container, and no
/// unmount is ever needed outside (the mount namespace goes with it).</summary>
public static unsafe class FuseOverlayMount
{
    const uint FUSE_SUPER_MAGIC = 0x65735546;

    public static void Mount(LayeredRoot root, string target)
    {
        string tool = root.FuseOverlayfs ?? throw new InvalidOperationException("storage driver fuse-overlayfs: fuse-overlayfs was not found (apt-get install fuse-overlayfs)");
        string options = MountOptionLimit.Options(root, userxattr: false);
        SyscallException.Check(MountCalls.chdir(root.Store), "chdir", root.Store);
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
            var map = new List<(int, int)> { (fds[1], 2) };
            if (devNull >= 0) { map.Add((devNull, 0)); map.Add((devNull, 1)); }
            pid = SpawnCalls.Spawn(tool, ["fuse-overlayfs", "-o", options, target], ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], map);
        }
        finally
        {
            Libc.close(fds[1]);
            if (devNull >= 0) Libc.close(devNull);
        }
        int status;
        while (ProcessCalls.waitpid(pid, out status, 0) < 0 && Libc.LastErrno == Libc.EINTR) { }
        // The daemon points its stderr at /dev/null: only what was said before it forked is read.
        string said = Drain(fds[0]);
        Libc.close(fds[0]);
        int code = ProcessCalls.ExitCodeOf(status);
        if (code != 0) throw new InvalidOperationException($"fuse-overlayfs exited with status {code}: {(said.Length > 0 ? said : "no message")}");
        if (MountCalls.statfs(target, out var fs) != 0 || (uint)fs.f_type != FUSE_SUPER_MAGIC)
            throw new InvalidOperationException($"fuse-overlayfs exited without mounting {target}: {said}");
    }

    static string Drain(int fd)
    {
        var text = new StringBuilder();
        var buf = stackalloc byte[4096];
        var p = new ProcessCalls.PollFd { fd = fd, events = ProcessCalls.POLLIN };
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
