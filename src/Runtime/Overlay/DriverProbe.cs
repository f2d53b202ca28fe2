using Rlrun.Runtime.Host;

namespace Rlrun.Runtime.Overlay;

/// <summary>Whether each driver works for this user on this file system: a real mount of two
/// short-linked lower layers (kernel overlay with userxattr; fuse-overlayfs), in a throwaway user,
/// mount and PID namespace made by util-linux's unshare(1), since rlrun's own process is
/// multi-threaded and cannot enter one. Null reason: it works.</summary>
public static class DriverProbe
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    const string Ok = "rlrun-probe: ok";

    // $1: the probe directory, $2: the mount command's options. The merged view must show both layers.
    const string Script =
        "test -e merged/a -a -e merged/b || { echo 'the mount does not show its lower layers' >&2; exit 4; }; " +
        "echo '" + Ok + "'";

    public static string? Kernel(string dir) => Run(dir,
        "mount -t overlay overlay -o lowerdir=l/A:l/B,upperdir=upper,workdir=work,userxattr merged || exit 3; ");

    public static string? Fuse(string dir)
    {
        if (!File.Exists("/dev/fuse")) return "/dev/fuse is missing (modprobe fuse)";
        if (Interop.FileCalls.access("/dev/fuse", 6) != 0) return "/dev/fuse is not readable and writable by this user (chmod 0666 /dev/fuse)";
        string? tool = ToolLookup.Find("fuse-overlayfs");
        if (tool is null) return "fuse-overlayfs is not installed (apt-get install fuse-overlayfs)";
        return Run(dir, $"'{tool}' -o lowerdir=l/A:l/B,upperdir=upper,workdir=work merged || exit 3; ");
    }

    static string? Run(string parent, string mount)
    {
        string? unshare = ToolLookup.Find("unshare");
        if (unshare is null) return "unshare(1) is missing to probe with (apt-get install util-linux)";
        string dir = Path.Join(parent, $"probe-{Environment.ProcessId}-{Random.Shared.Next():x}");
        try
        {
            foreach (var d in new[] { "A", "B", "upper", "work", "merged", "l" }) Directory.CreateDirectory(Path.Join(dir, d));
            File.WriteAllText(Path.Join(dir, "A", "a"), "");
            File.WriteAllText(Path.Join(dir, "B", "b"), "");
            File.CreateSymbolicLink(Path.Join(dir, "l", "A"), "../A");
            File.CreateSymbolicLink(Path.Join(dir, "l", "B"), "../B");
            // --pid --fork: a fuse daemon left running dies with the namespace's first process.
            var o = BoundedCommand.Run(unshare, ["unshare", "--user", "--map-root-user", "--mount", "--pid", "--fork", "--kill-child",
                "/bin/sh", "-c", "cd \"$1\" || exit 2; " + mount + Script, "sh", dir], ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"], Timeout);
            if (o.TimedOut) return $"the probe did not finish within {Timeout.TotalSeconds:0}s";
            return o.Stdout.Contains(Ok) ? null : OverlayCheck.ErrorText(o);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Interop.SyscallException)
        {
            return $"cannot probe in {parent}: {e.Message}";
        }
        finally { Remove(dir); }
    }

    static void Remove(string dir)
    {
        try
        {
            string inner = Path.Join(dir, "work", "work");
            if (Directory.Exists(inner)) File.SetUnixFileMode(inner, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
