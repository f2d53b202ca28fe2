using Rlrun.Actors;
using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Logs;

namespace Rlrun.Supervisor.Daemon;

/// <summary>The daemon's capture of a supervised container's output. Its stdout and stderr are
/// FIFOs in ROOT/.supervised (ID.stdout, ID.stderr) that the container opens read-write: a pipe
/// with a reader in the container itself never raises SIGPIPE, so a container outlives a killed
/// daemon (it blocks once the pipe buffer is full), and the next daemon opens the same FIFOs and
/// drains what was written meanwhile. The daemon reads them on the shared poller into ID.log.</summary>
public sealed class LogPumps(string root, long maxSize, int maxFiles, Action<string> warn, FdPoller? poller = null) : IContainerStdio
{
    readonly FdPoller _poller = poller ?? FdPoller.Shared;
    readonly Dictionary<string, Pump> _pumps = new(StringComparer.Ordinal);
    // Every callback runs on the poller's one thread: one buffer serves all pumps.
    static readonly byte[] Buffer = new byte[64 * 1024];

    public int Count
    {
        get { lock (_pumps) return _pumps.Count; }
    }

    /// <summary>/dev/null, and the two FIFOs opened for the container (read-write, blocking).</summary>
    public int[] Open(string id)
    {
        var pump = Attach(id);
        var fds = new List<int>();
        try
        {
            fds.Add(SyscallException.Check(Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0), "open", "/dev/null"));
            foreach (string fifo in new[] { pump.Out.Fifo, pump.Err.Fifo })
                fds.Add(SyscallException.Check(Libc.open(fifo, Libc.O_RDWR | Libc.O_CLOEXEC, 0), "open", fifo));
            return [.. fds];
        }
        catch
        {
            foreach (int fd in fds) Libc.close(fd);
            throw;
        }
    }

    /// <summary>Starts capturing (at a create, and for an adopted container at the daemon's start).</summary>
    public Pump Attach(string id)
    {
        lock (_pumps)
        {
            if (_pumps.TryGetValue(id, out var pump)) return pump;
            pump = new Pump(id, root, new ContainerLogWriter(LogPaths.For(id), maxSize, maxFiles), warn);
            _pumps[id] = pump;
            _poller.Add(pump.Out.Fd, (fd, _) => pump.Drain(pump.Out, Buffer));
            _poller.Add(pump.Err.Fd, (fd, _) => pump.Drain(pump.Err, Buffer));
            return pump;
        }
    }

    /// <summary>Stops capturing (the container is deleted): the FIFOs go, and with deleteLogs its log files.</summary>
    public void Detach(string id, bool deleteLogs)
    {
        Pump? pump;
        lock (_pumps)
        {
            if (!_pumps.Remove(id, out pump)) return;
        }
        _poller.Remove(pump.Out.Fd);
        _poller.Remove(pump.Err.Fd);
        pump.Dispose();
        if (deleteLogs) LogPaths.Remove(id);
    }

    /// <summary>Writes out unfinished lines (at an exit: a last prompt without a newline is not lost).</summary>
    public void Flush(string id)
    {
        lock (_pumps) if (_pumps.TryGetValue(id, out var pump)) pump.Flush();
    }

    public sealed class Pump : IDisposable
    {
        public sealed record Stream(LogStream Kind, string Fifo, int Fd);

        readonly ContainerLogWriter _writer;
        readonly Action<string> _warn;
        readonly string _id;
        bool _failing;

        public Stream Out { get; }
        public Stream Err { get; }

        public Pump(string id, string root, ContainerLogWriter writer, Action<string> warn)
        {
            (_id, _writer, _warn) = (id, writer, warn);
            var (stdout, stderr) = Rlrun.Runtime.Daemon.DaemonPaths.OutputFifos(root, id);
            Directory.CreateDirectory(Path.GetDirectoryName(stdout)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Out = OpenFifo(LogStream.Stdout, stdout);
            Err = OpenFifo(LogStream.Stderr, stderr);
        }

        static Stream OpenFifo(LogStream kind, string path)
        {
            if (FileCalls.mkfifo(path, 0x180) < 0 && Libc.LastErrno != Libc.EEXIST) throw new SyscallException("mkfifo", Libc.LastErrno, path);
            // Read-write: the FIFO always has a writer, so an exited container is no end of file.
            int fd = SyscallException.Check(Libc.open(path, Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC | Libc.O_NOFOLLOW, 0), "open", path);
            return new Stream(kind, path, fd);
        }

        public unsafe bool Drain(Stream s, byte[] buffer)
        {
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    nint n = Libc.read(s.Fd, p, buffer.Length);
                    if (n <= 0) return n == 0 || Libc.LastErrno == Libc.EAGAIN || Libc.LastErrno == Libc.EINTR;
                    try
                    {
                        _writer.Write(s.Kind, buffer.AsSpan(0, (int)n));
                        _failing = false;
                    }
                    catch (Exception e) when (e is IOException or SyscallException or UnauthorizedAccessException)
                    {
                        // One warning while it lasts (a full disk fails every chunk), not one a chunk.
                        if (!_failing) _warn($"container {_id}: log: {e.Message}; its output is dropped until a write succeeds");
                        _failing = true;
                    }
                }
            }
        }

        public void Flush()
        {
            try { _writer.Flush(); }
            catch (Exception e) when (e is IOException or SyscallException) { _warn($"container {_id}: log: {e.Message}"); }
        }

        public void Dispose()
        {
            var buffer = new byte[16 * 1024]; // not the poller's: this runs on the caller's thread
            Drain(Out, buffer);
            Drain(Err, buffer);
            _writer.Dispose();
            Libc.close(Out.Fd);
            Libc.close(Err.Fd);
            File.Delete(Out.Fifo);
            File.Delete(Err.Fifo);
        }
    }
}
