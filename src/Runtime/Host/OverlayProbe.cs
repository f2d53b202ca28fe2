namespace Rlrun.Runtime.Host;

/// <summary>Tries kernel overlayfs inside a new user namespace, in a throwaway child: rlrun
/// cannot unshare its own (multi-threaded) process, so it runs util-linux's unshare(1) on
/// four fresh directories and a mount namespace that dies with the child. Bounded in time.</summary>
public static class OverlayProbe
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>Printed by the child once it runs inside the user namespace, and after the mount.</summary>
    public const string InUserNamespace = "rlrun-check: in-userns", Mounted = "rlrun-check: overlay-ok";

    // $1: the probe directory. The merged view must show the lower layer's file.
    const string Script =
        "echo '" + InUserNamespace + "'; " +
        "mount -t overlay overlay -o \"lowerdir=$1/lower,upperdir=$1/upper,workdir=$1/work\" \"$1/merged\" || exit 3; " +
        "test -e \"$1/merged/probe\" || { echo 'the overlay does not show its lower layer' >&2; exit 4; }; " +
        "echo '" + Mounted + "'";

    public static OverlayFacts Gather(CheckUser user)
    {
        string? unshare = ToolLookup.Find("unshare");
        if (unshare is null) return new OverlayFacts(user.IsRoot, null, null, null);
        DirectoryInfo dir;
        try
        {
            dir = Directory.CreateTempSubdirectory("rlrun-check-");
            // overlayfs options split on ',' and ':': a TMPDIR with them cannot be used.
            if (dir.FullName.IndexOfAny([',', ':', '\\']) >= 0)
            {
                dir.Delete();
                dir = Directory.CreateDirectory(Path.Join("/tmp", Path.GetFileName(dir.FullName)));
            }
            foreach (var sub in new[] { "lower", "upper", "work", "merged" }) dir.CreateSubdirectory(sub);
            File.WriteAllText(Path.Join(dir.FullName, "lower", "probe"), "");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new OverlayFacts(user.IsRoot, unshare, null, $"cannot make the probe directories: {e.Message}");
        }
        try
        {
            var outcome = BoundedCommand.Run(unshare,
                ["unshare", "--user", "--map-root-user", "--mount", "/bin/sh", "-c", Script, "sh", dir.FullName],
                ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"], Timeout);
            return new OverlayFacts(user.IsRoot, unshare, outcome, null);
        }
        catch (Exception e) when (e is Interop.SyscallException or IOException)
        {
            return new OverlayFacts(user.IsRoot, unshare, null, e.Message);
        }
        finally { Remove(dir); }
    }

    // overlayfs leaves work/work with mode 0 (owned by the user, root in the namespace): open it up first.
    static void Remove(DirectoryInfo dir)
    {
        try
        {
            string inner = Path.Join(dir.FullName, "work", "work");
            if (OperatingSystem.IsLinux() && Directory.Exists(inner)) File.SetUnixFileMode(inner, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            dir.Delete(recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
