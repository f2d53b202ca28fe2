using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Logs;

/// <summary>Reads a container's log back as `logs` shows it: the rotated files oldest first, then the
/// current one; malformed lines skipped; P records joined into their line; `since` keeps lines from
/// that time on, then `tail` keeps the last N. Follow keeps reading as the file grows, through
/// rotations (the path names a new file: finish the old one, read any newer rotated file, reopen).</summary>
public sealed class ContainerLogReader(string path)
{
    public string FilePath { get; } = path;

    /// <summary>How often Follow looks for new output.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Every line now, filtered; a last line without its end is included (Complete false).</summary>
    public List<LogLine> Read(DateTimeOffset? since = null, int? tail = null)
    {
        var lines = new List<LogLine>();
        Read(since, tail, lines.Add);
        return lines;
    }

    public void Read(DateTimeOffset? since, int? tail, Action<LogLine> emit)
    {
        var joiner = new LineJoiner();
        var kept = new Kept(since, tail, emit);
        ReadExisting(joiner, kept.Add).Dispose();
        foreach (var line in joiner.TakeUnfinished()) kept.Add(line);
        kept.Done();
    }

    /// <summary>Prints what exists, as Read does, then each new record as it comes: a P record as a
    /// piece of a line (Complete false) at once, so a prompt shows before its newline comes. Ends
    /// when STILL_RUNNING says no and the file stayed drained for two polls (output written just
    /// after the container stopped is not cut off). CAUGHT_UP is called whenever all written so far
    /// was emitted: the moment to flush buffered output.</summary>
    public void Follow(DateTimeOffset? since, int? tail, Action<LogLine> emit, Func<bool> stillRunning,
        Action? caughtUp = null, CancellationToken cancel = default)
    {
        var joiner = new LineJoiner();
        var kept = new Kept(since, tail, emit);
        using var follower = ReadExisting(joiner, kept.Add);
        foreach (var line in joiner.TakeUnfinished()) kept.Add(line);
        kept.Done();
        caughtUp?.Invoke();
        void OnLine(ReadOnlySpan<byte> text)
        {
            if (LogRecord.TryParse(text, out var r) && (since is null || r!.Time >= since))
                emit(new LogLine(r!.Time, r.Stream, r.Content, Complete: !r.Partial));
        }
        int quiet = 0;
        while (!cancel.IsCancellationRequested)
        {
            bool running = stillRunning();
            bool got = follower.Drain(OnLine);
            if (got) caughtUp?.Invoke();
            quiet = running || got ? 0 : quiet + 1;
            if (quiet >= 2) break;
            cancel.WaitHandle.WaitOne(PollInterval);
        }
    }

    /// <summary>The rotated files (oldest first) then the current one, to their ends. Returns the
    /// Follower on the current file, for Follow to go on from.</summary>
    Follower ReadExisting(LineJoiner joiner, Action<LogLine> add)
    {
        var follower = new Follower(FilePath);
        follower.Start(text =>
        {
            if (LogRecord.TryParse(text, out var r) && joiner.Add(r!) is { } line) add(line);
        });
        return follower;
    }

    /// <summary>Follows the path through rotations. Rotated files are told apart by content key
    /// (a rotated file is never written again), not by name, and read in the order of a snapshot of
    /// their names that a rename cascade did not disturb: the writer renames them while we look.</summary>
    sealed class Follower(string path) : IDisposable
    {
        // One key per rotation seen: size and mtime in it keep a reused inode from looking read.
        readonly HashSet<FileKey> _done = [];
        LogFile? _current;
        // The rotated files older than _current are still to read: no snapshot held still.
        bool _olderPending;

        /// <summary>What exists: the current file is opened first, so everything older than it is
        /// among the rotated files (the writer renames the old file before it creates the new one).</summary>
        public void Start(Action<ReadOnlySpan<byte>> onLine)
        {
            _current = LogFile.TryOpen(path);
            _olderPending = true;
            Drain(onLine);
            if (!_olderPending) return;
            // A writer stopped mid-rename: better what the names say now than nothing.
            bool got = false;
            ReadNewRotated(onLine, ref got, strict: false);
            _olderPending = false;
            Drain(onLine);
        }

        /// <summary>Reads everything new; true when anything was read.</summary>
        public bool Drain(Action<ReadOnlySpan<byte>> onLine)
        {
            bool got = false;
            for (int switches = 0; switches < 16; switches++)
            {
                if (_current is null)
                {
                    _current = LogFile.TryOpen(path);
                    _olderPending = true;
                }
                if (_olderPending)
                {
                    _olderPending = !ReadNewRotated(onLine, ref got);
                    if (_olderPending) return got; // the next poll looks again
                }
                if (_current is null) return got;
                got |= _current.ReadAvailable(onLine);
                if (FileCalls.stat(path, out var st) < 0) return got; // between the rename and the new file
                if (_current.Is(st))
                {
                    if (st.st_size >= _current.Offset) return got;
                    // Truncated in place (maxFiles 1). Unnoticed if it grew past our offset again
                    // between two polls; one file is the setting that keeps the least anyway.
                    _current.Restart();
                    continue;
                }
                // Rotated: the writer closed the old file before renaming it, so its rest is final.
                got |= _current.ReadAvailable(onLine);
                _done.Add(_current.Key());
                _current.Dispose();
                _current = null;
            }
            return got;
        }

        /// <summary>The rotated files older than the current one and not read yet, oldest first;
        /// false when no snapshot held still (the writer paused mid-rename, say).</summary>
        bool ReadNewRotated(Action<ReadOnlySpan<byte>> onLine, ref bool got, bool strict = true)
        {
            for (int attempt = 0; attempt < 5; attempt++)
            {
                if (attempt > 0) Thread.Sleep(1);
                var pinned = Snapshot(strict);
                if (pinned is null) continue;
                try
                {
                    foreach (var (_, f) in pinned)
                        if (_done.Add(f.Key())) got |= f.ReadAvailable(onLine);
                    return true;
                }
                finally { foreach (var (_, f) in pinned) f.Dispose(); }
            }
            return false;
        }

        /// <summary>ID.log.M .. ID.log.1 opened (pinned) oldest first, up to the current file. Strict:
        /// null unless the names held still (no gap, and each names the same file when checked again).</summary>
        List<(string Name, LogFile File)>? Snapshot(bool strict)
        {
            // The names run from 1 up without holes, but for the one a rename cascade moves down through.
            int max = 0;
            while (File.Exists(LogPaths.Rotated(path, max + 1)) || File.Exists(LogPaths.Rotated(path, max + 2))) max++;
            var pinned = new List<(string, LogFile)>();
            bool stable = true;
            for (int k = max; k >= 1; k--)
            {
                string name = LogPaths.Rotated(path, k);
                var f = LogFile.TryOpen(name);
                if (f is null)
                {
                    if (!strict) continue;
                    stable = false;
                    break;
                }
                if (_current is not null && f.Device == _current.Device && f.Inode == _current.Inode) { f.Dispose(); break; } // newer ones: later
                pinned.Add((name, f));
            }
            if (strict && stable)
            {
                foreach (var (name, f) in pinned)
                    if (FileCalls.stat(name, out var st) < 0 || !f.Is(st)) { stable = false; break; }
                if (File.Exists(LogPaths.Rotated(path, max + 1))) stable = false;
            }
            if (stable) return pinned;
            foreach (var (_, f) in pinned) f.Dispose();
            return null;
        }

        public void Dispose() => _current?.Dispose();
    }

    /// <summary>since then tail: lines from SINCE on; with TAIL only the last N, emitted at Done.</summary>
    sealed class Kept(DateTimeOffset? since, int? tail, Action<LogLine> emit)
    {
        readonly Queue<LogLine> _last = new();

        public void Add(LogLine line)
        {
            if (since is { } s && line.Time < s) return;
            if (tail is not { } n) { emit(line); return; }
            if (n == 0) return;
            if (_last.Count == n) _last.Dequeue();
            _last.Enqueue(line);
        }

        public void Done()
        {
            while (_last.TryDequeue(out var line)) emit(line);
        }
    }
}
