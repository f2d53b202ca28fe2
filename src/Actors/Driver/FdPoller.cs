using Rlrun.Runtime.Interop;

namespace Rlrun.Actors;

/// <summary>One thread that polls every fd supervision waits on (init pidfds, log pipes) and calls
/// back when one is readable: a thread per container would cost a stack per container, and the
/// daemon supervises hundreds. Callbacks run on the poll thread and must not block.</summary>
public sealed class FdPoller
{
    public static readonly FdPoller Shared = new();

    /// <returns>false to stop watching the fd (the poller does not close it)</returns>
    public delegate bool Readable(int fd, short revents);

    readonly object _gate = new();
    // Held while callbacks run, so Remove can wait for one in progress.
    readonly object _dispatch = new();
    readonly Dictionary<int, Readable> _watched = [];
    int _wakeRead = -1, _wakeWrite = -1;
    Thread? _thread;

    public void Add(int fd, Readable onReadable)
    {
        lock (_gate)
        {
            EnsureThread();
            _watched[fd] = onReadable;
        }
        Wake();
    }

    /// <summary>Once this returns, the fd's callback is not running and will not run again: the
    /// caller may close the fd (whose number a later open may reuse).</summary>
    public void Remove(int fd)
    {
        lock (_gate) _watched.Remove(fd);
        lock (_dispatch) { } // waits out a callback in progress
        Wake();
    }

    public int Count
    {
        get { lock (_gate) return _watched.Count; }
    }

    void EnsureThread()
    {
        if (_thread is not null) return;
        unsafe
        {
            int* p = stackalloc int[2];
            SyscallException.Check(Pipe.pipe2(p, Libc.O_CLOEXEC | Libc.O_NONBLOCK), "pipe2");
            _wakeRead = p[0];
            _wakeWrite = p[1];
        }
        _thread = new Thread(Loop) { IsBackground = true, Name = "fd-poller" };
        _thread.Start();
    }

    unsafe void Wake()
    {
        byte b = 1;
        Libc.write(_wakeWrite, &b, 1);
    }

    unsafe void Loop()
    {
        var fds = new Tmds.Linux.pollfd[16];
        var handlers = new Readable[16];
        byte* drain = stackalloc byte[64];
        while (true)
        {
            int n;
            lock (_gate)
            {
                n = _watched.Count + 1;
                if (fds.Length < n)
                {
                    Array.Resize(ref fds, n * 2);
                    Array.Resize(ref handlers, n * 2);
                }
                fds[0] = new Tmds.Linux.pollfd { fd = _wakeRead, events = ProcessCalls.POLLIN };
                int i = 1;
                foreach (var (fd, h) in _watched)
                {
                    fds[i] = new Tmds.Linux.pollfd { fd = fd, events = ProcessCalls.POLLIN };
                    handlers[i++] = h;
                }
            }
            int rc;
            fixed (Tmds.Linux.pollfd* p = fds) rc = ProcessCalls.poll(p, (nuint)n, -1);
            if (rc < 0) continue; // EINTR
            if (fds[0].revents != 0)
            {
                while (Libc.read(_wakeRead, drain, 64) > 0) { }
            }
            lock (_dispatch)
            {
                for (int i = 1; i < n; i++)
                {
                    if (fds[i].revents == 0) continue;
                    // Removed since the poll began: the fd may be closed, or already another file.
                    lock (_gate) if (!_watched.TryGetValue(fds[i].fd, out var current) || current != handlers[i]) continue;
                    bool keep;
                    try { keep = handlers[i](fds[i].fd, fds[i].revents); }
                    catch (Exception) { keep = false; }
                    if (!keep) lock (_gate) if (_watched.TryGetValue(fds[i].fd, out var h) && h == handlers[i]) _watched.Remove(fds[i].fd);
                }
            }
        }
    }
}
