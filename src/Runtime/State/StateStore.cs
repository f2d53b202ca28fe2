using System.Text.Json;
using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.State;

/// <summary>The state root: one 0700 directory per container holding state.json, the exec fifo and
/// a lock file. state.json is written to a temporary file, fsynced and renamed, under the lock.</summary>
public sealed class StateStore(string root)
{
    public string Root { get; } = root;

    public const string StateFile = "state.json", FifoFile = "exec.fifo", LockFile = ".lock";

    public string DirOf(string id) => Path.Join(Root, id);

    /// <summary>The default root: $XDG_RUNTIME_DIR/rlrun; without it (su, sudo -u, cron, a root
    /// service's child) /run/rlrun for root, /run/user/UID/rlrun where that exists, else
    /// $TMPDIR/rlrun-UID (checked to be ours when it is made: see <see cref="CreateDir"/>).</summary>
    public static string DefaultRoot() =>
        DefaultRoot(Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR"), ProcessCalls.geteuid(), Directory.Exists, Path.GetTempPath());

    public static string DefaultRoot(string? xdgRuntimeDir, uint euid, Func<string, bool> dirExists, string tmp)
    {
        if (!string.IsNullOrEmpty(xdgRuntimeDir)) return Path.Join(xdgRuntimeDir, "rlrun");
        if (euid == 0) return "/run/rlrun";
        string runUser = $"/run/user/{euid}";
        return dirExists(runUser) ? Path.Join(runUser, "rlrun") : Path.Join(tmp, $"rlrun-{euid}");
    }

    /// <summary>Claims the ID: the mkdir is atomic, so two creates of one ID cannot both succeed.
    /// The root must be ours: in a shared directory such as /tmp another user could have made it
    /// first, and would then see and change our containers' state.</summary>
    public void CreateDir(string id)
    {
        Directory.CreateDirectory(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        VerifyRootOwner();
        string dir = DirOf(id);
        if (Libc.mkdir(dir, 0x1c0) < 0)
        {
            if (Libc.LastErrno == Libc.EEXIST) throw new ContainerExistsException(id);
            throw new SyscallException("mkdir", Libc.LastErrno, dir);
        }
    }

    void VerifyRootOwner()
    {
        uint euid = ProcessCalls.geteuid();
        if (FileCalls.lstat(Root, out var st) != 0) throw new SyscallException("lstat", Libc.LastErrno, Root);
        if ((st.st_mode & FileCalls.S_IFMT) == FileCalls.S_IFLNK)
            throw new IOException($"state root {Root} is a symbolic link: pass --root DIR (or set XDG_RUNTIME_DIR) to a directory of your own");
        if (st.st_uid != euid)
            throw new IOException($"state root {Root} belongs to uid {st.st_uid}, not to you (uid {euid}): pass --root DIR (or set XDG_RUNTIME_DIR) to a directory of your own");
    }

    public bool Exists(string id) => File.Exists(Path.Join(DirOf(id), StateFile));

    string ClaimPath(string id) => Path.Join(Root, $".{id}.claim");

    /// <summary>Held by a create from before its mkdir until its state.json is written (or all it
    /// made is removed): the directory without state.json in between is work in progress, not the
    /// remains of a dead create, and a concurrent delete must not remove it (issue 18: a delete in
    /// that gap removed it, a second create then claimed the ID, and the first create's clean-up
    /// removed the second's directory, leaving its init running with no state).</summary>
    public StateLock Claim(string id)
    {
        Directory.CreateDirectory(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        VerifyRootOwner();
        string path = ClaimPath(id);
        while (true)
        {
            int fd = SyscallException.Check(Libc.open(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC | Libc.O_NOFOLLOW, 0x180), "open", path);
            while (FileCalls.flock(fd, FileCalls.LOCK_EX | FileCalls.LOCK_NB) < 0)
            {
                int errno = Libc.LastErrno;
                if (errno == Libc.EINTR) continue;
                Libc.close(fd);
                if (errno == Libc.EAGAIN) throw new ContainerExistsException(id); // another create of this ID is under way
                throw new SyscallException("flock", errno, path);
            }
            // The holder before us unlinks the file as it lets go: a lock on an unlinked file is
            // no claim (another create may hold the file now at the path), so take it again.
            if (IsAtPath(fd, path)) return new StateLock(fd, () => File.Delete(path));
            Libc.close(fd);
        }
    }

    static bool IsAtPath(int fd, string path) =>
        FileCalls.fstat(fd, out var held) == 0 && FileCalls.lstat(path, out var now) == 0 && held.st_ino == now.st_ino && held.st_dev == now.st_dev;

    /// <summary>Removes a claim file no create holds (one killed before it could remove its own).</summary>
    public void DropStaleClaim(string id)
    {
        string path = ClaimPath(id);
        int fd = Libc.open(path, Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_NOFOLLOW, 0);
        if (fd < 0) return;
        try
        {
            if (FileCalls.flock(fd, FileCalls.LOCK_EX | FileCalls.LOCK_NB) == 0 && IsAtPath(fd, path)) File.Delete(path);
        }
        catch (IOException) { }
        finally { Libc.close(fd); }
    }

    /// <summary>For a directory without state.json: true when a create holds its claim (it is under
    /// way); waits for that create when WAIT. False when no create holds it (one died half-way).</summary>
    public bool CreateUnderWay(string id, bool wait)
    {
        string path = ClaimPath(id);
        int fd = Libc.open(path, Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_NOFOLLOW, 0);
        if (fd < 0) return false;
        try
        {
            int r;
            while ((r = FileCalls.flock(fd, FileCalls.LOCK_SH | (wait ? 0 : FileCalls.LOCK_NB))) < 0 && Libc.LastErrno == Libc.EINTR) { }
            return r < 0 || wait;
        }
        finally { Libc.close(fd); }
    }

    public ContainerState Load(string id)
    {
        string path = Path.Join(DirOf(id), StateFile);
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ContainerNotFoundException(id);
        }
        try
        {
            return StateJson.Deserialize(data);
        }
        catch (JsonException e) { throw new IOException($"{path}: corrupt state: {e.Message}"); }
    }

    public void Save(ContainerState state)
    {
        string dir = DirOf(state.Id);
        string tmp = Path.Join(dir, $".{StateFile}.{Environment.ProcessId}.tmp");
        byte[] data = StateJson.Serialize(state);
        int fd = SyscallException.Check(Libc.open(tmp, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC | Libc.O_CLOEXEC, 0x180), "open", tmp);
        try
        {
            Libc.WriteAll(fd, data, tmp);
            SyscallException.Check(FileCalls.fsync(fd), "fsync", tmp);
        }
        catch
        {
            // A full disk (ENOSPC) must not leave half a file taking the space the next try needs.
            Libc.close(fd);
            File.Delete(tmp);
            throw;
        }
        Libc.close(fd);
        File.Move(tmp, Path.Join(dir, StateFile), overwrite: true);
    }

    /// <summary>An exclusive lock on the container's directory, held until disposed.</summary>
    public StateLock Lock(string id)
    {
        string path = Path.Join(DirOf(id), LockFile);
        int fd = Libc.open(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, 0x180);
        if (fd < 0)
        {
            if (Libc.LastErrno == Libc.ENOENT) throw new ContainerNotFoundException(id);
            throw new SyscallException("open", Libc.LastErrno, path);
        }
        while (FileCalls.flock(fd, FileCalls.LOCK_EX) < 0)
        {
            if (Libc.LastErrno == Libc.EINTR) continue;
            Libc.close(fd);
            throw new SyscallException("flock", Libc.LastErrno, path);
        }
        return new StateLock(fd);
    }

    public void RemoveDir(string id)
    {
        string dir = DirOf(id);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    public IEnumerable<string> Ids()
    {
        if (!Directory.Exists(Root)) return [];
        return Directory.EnumerateDirectories(Root).Select(Path.GetFileName).OfType<string>()
            .Where(id => File.Exists(Path.Join(Root, id, StateFile))).Order(StringComparer.Ordinal);
    }
}

public sealed class StateLock(int fd, Action? beforeRelease = null) : IDisposable
{
    public void Dispose()
    {
        // The claim file is removed while still held: a create that opened it meanwhile locks an
        // unlinked file, and it (and a delete) checks state.json, not the lock, for the outcome.
        try { beforeRelease?.Invoke(); }
        catch (IOException) { }
        Libc.close(fd);
    }
}

public sealed class ContainerExistsException(string id) : Exception($"container with id {id} already exists");

public sealed class ContainerNotFoundException(string id) : Exception($"container {id} does not exist");
