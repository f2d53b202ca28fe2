namespace Rlrun.Runtime.Daemon;

/// <summary>Where a state root's daemon is found: its socket and lock in the root, and the records
/// of the containers it supervises in ROOT/.supervised (so with the default root the socket is
/// $XDG_RUNTIME_DIR/rlrun/daemon.sock).</summary>
public static class DaemonPaths
{
    public const string SupervisedDir = ".supervised";

    /// <summary>The records of foreground `run --restart` supervisors: apart, so that no daemon
    /// adopts (and supervises a second time) a container whose supervisor is alive.</summary>
    public static string ForegroundRecords(string root) => Path.Join(root, ".supervised-foreground");

    public static string Socket(string root) => Path.Join(root, "daemon.sock");

    public static string Lock(string root) => Path.Join(root, "daemon.lock");

    /// <summary>Whether a daemon holds ROOT/daemon.lock: it serves, or is coming up (the lock is
    /// taken before the socket is bound) or going down. A client that finds no socket but a held
    /// lock waits for that daemon instead of starting another. The probe holds a shared lock for
    /// a moment; a starting daemon retries its exclusive one for longer than that (DaemonHost).</summary>
    public static bool DaemonAlive(string root)
    {
        int fd = Interop.Libc.open(Lock(root), Interop.Libc.O_RDONLY | Interop.Libc.O_CLOEXEC, 0);
        if (fd < 0) return false; // no lock file: no daemon ever ran here
        try { return Interop.FileCalls.flock(fd, Interop.FileCalls.LOCK_SH | Interop.FileCalls.LOCK_NB) != 0 && Interop.Libc.LastErrno == Interop.Libc.EAGAIN; }
        finally { Interop.Libc.close(fd); }
    }

    public static string Record(string root, string id) => Path.Join(root, SupervisedDir, id + ".json");

    /// <summary>The FIFOs that are the container's stdout and stderr (the daemon's LogPumps).</summary>
    public static (string Stdout, string Stderr) OutputFifos(string root, string id) =>
        (Path.Join(root, SupervisedDir, id + ".stdout"), Path.Join(root, SupervisedDir, id + ".stderr"));

    /// <summary>A container the daemon supervises: its lifecycle commands go through the daemon.</summary>
    public static bool IsSupervised(string root, string id) => File.Exists(Record(root, id));

    /// <summary>Whether any container has a daemon's record under this root.</summary>
    public static bool AnySupervised(string root)
    {
        string dir = Path.Join(root, SupervisedDir);
        try { return Directory.Exists(dir) && Directory.EnumerateFiles(dir, "*.json").Any(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>What a daemon keeps of a container, for a delete made without one: its record and
    /// output FIFOs, and its logs.</summary>
    public static void Forget(string root, string id)
    {
        var (stdout, stderr) = OutputFifos(root, id);
        foreach (string file in new[] { Record(root, id), stdout, stderr }) File.Delete(file);
        Logs.LogPaths.Remove(id);
    }

    /// <summary>The daemon's own output when started on demand: $XDG_STATE_HOME/rlrun/daemon.log.</summary>
    public static string Log() => Path.Join(Path.GetDirectoryName(Logs.LogPaths.Dir())!, "daemon.log");
}
