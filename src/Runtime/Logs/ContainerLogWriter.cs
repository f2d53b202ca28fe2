using System.Text;
using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Logs;

public enum LogStream { Stdout, Stderr }

/// <summary>Writes a container's output in the CRI log format podman's k8s-file driver also uses,
/// one record a line: `2026-12-01T10:11:12.123456700Z stdout F text`. F ends a line, P is part of
/// one: output without a newline waits in a per-stream buffer until its newline comes, it passes
/// <see cref="MaxPartial"/>, or Flush/Dispose writes it out (nothing is lost at exit).
/// The file is rotated by size: ID.log -> ID.log.1 -> ... -> ID.log.(maxFiles-1); maxFiles 1
/// truncates in place. Thread-safe, though one pump thread per container is the expected caller.
/// Write errors (ENOSPC, EIO) throw <see cref="SyscallException"/>; the caller decides to go on.</summary>
public sealed class ContainerLogWriter : IDisposable
{
    /// <summary>The longest record content: longer lines become P records of this size (as conmon does).</summary>
    public const int MaxPartial = 16 * 1024;
    /// <summary>What a stream may hold while its writes fail (a full disk) before it is dropped.</summary>
    public const int MaxHeld = 1024 * 1024;

    // O_APPEND keeps each record one atomic append, even if another writer appends to the file.
    static int O_APPEND => Tmds.Linux.LibC.O_APPEND;
    const int LogFileMode = 0x180; // 0600: output may hold secrets

    readonly string _path;
    readonly long _maxSize;
    readonly int _maxFiles;
    readonly Func<DateTimeOffset> _clock;
    readonly object _gate = new();
    readonly Pending _stdout = new(), _stderr = new();
    int _fd = -1;
    long _size;
    bool _disposed;

    /// <param name="path">the log file (LogPaths.For(id)); its directory is made 0700 if missing</param>
    /// <param name="maxSize">rotate before a record would take the file past this many bytes</param>
    /// <param name="maxFiles">files kept, the current one included (1: truncate in place)</param>
    /// <param name="clock">the time stamped on records (tests pass a fixed one)</param>
    public ContainerLogWriter(string path, long maxSize, int maxFiles, Func<DateTimeOffset>? clock = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFiles, 1);
        (_path, _maxSize, _maxFiles, _clock) = (path, maxSize, maxFiles, clock ?? (() => DateTimeOffset.UtcNow));
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir && !OperatingSystem.IsWindows())
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Open(truncate: false);
    }

    public string FilePath => _path;

    /// <summary>A chunk of the container's output as read from its pipe; split into records at newlines.</summary>
    public void Write(LogStream stream, ReadOnlySpan<byte> chunk)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var pending = stream == LogStream.Stdout ? _stdout : _stderr;
            pending.Append(chunk);
            int done = 0;
            try
            {
                while (true)
                {
                    var rest = pending.Data[done..];
                    int nl = rest.IndexOf((byte)'\n');
                    if (nl >= 0 && nl <= MaxPartial) { Record(stream, full: true, rest[..nl]); done += nl + 1; }
                    else if (rest.Length > MaxPartial) { Record(stream, full: false, rest[..MaxPartial]); done += MaxPartial; }
                    else break;
                }
            }
            catch
            {
                // A failed write keeps what waits for the next try (a failed rotation loses
                // nothing), up to MaxHeld: a full disk fails every try, and what it held would
                // grow without bound. Past that the output is dropped; the container runs on.
                pending.Consume(pending.Data.Length - done > MaxHeld ? pending.Data.Length : done);
                throw;
            }
            pending.Consume(done); // what is written is never repeated
        }
    }

    /// <summary>Writes out the unfinished lines as P records (at container exit, or when a prompt
    /// without a newline should show up in `logs -f`).</summary>
    public void Flush()
    {
        lock (_gate)
        {
            if (_disposed) return;
            FlushPending(LogStream.Stdout, _stdout);
            FlushPending(LogStream.Stderr, _stderr);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            try { Flush(); }
            finally
            {
                _disposed = true;
                if (_fd >= 0) Libc.close(_fd);
                _fd = -1;
            }
        }
    }

    void FlushPending(LogStream stream, Pending pending)
    {
        if (pending.Data.Length == 0) return;
        Record(stream, full: false, pending.Data);
        pending.Consume(pending.Data.Length);
    }

    void Record(LogStream stream, bool full, ReadOnlySpan<byte> content)
    {
        string header = $"{LogTimestamp.Format(_clock())} {(stream == LogStream.Stdout ? "stdout" : "stderr")} {(full ? 'F' : 'P')} ";
        int length = header.Length + content.Length + 1;
        var record = new byte[length];
        Encoding.ASCII.GetBytes(header, record);
        content.CopyTo(record.AsSpan(header.Length));
        record[^1] = (byte)'\n';
        // A record larger than maxSize still goes whole into a fresh file: never split a record.
        // A failed open (a rotation that could not reopen) is retried at the next record.
        if (_fd < 0) Open(truncate: false);
        if (_size > 0 && _size + length > _maxSize) Rotate();
        try { Libc.WriteAll(_fd, record, _path); }
        catch
        {
            // Half a record (ENOSPC mid-write) would glue onto the next one: cut it off.
            Tmds.Linux.LibC.ftruncate(_fd, _size);
            throw;
        }
        _size += length;
    }

    void Rotate()
    {
        Libc.close(_fd);
        _fd = -1;
        if (_maxFiles > 1)
        {
            for (int k = _maxFiles - 2; k >= 1; k--)
                if (File.Exists(LogPaths.Rotated(_path, k))) File.Move(LogPaths.Rotated(_path, k), LogPaths.Rotated(_path, k + 1), overwrite: true);
            try { File.Move(_path, LogPaths.Rotated(_path, 1), overwrite: true); }
            catch (FileNotFoundException) { } // removed under us: a fresh file is all there is to start
        }
        Open(truncate: _maxFiles == 1);
    }

    void Open(bool truncate)
    {
        int flags = Libc.O_WRONLY | Libc.O_CREAT | O_APPEND | Libc.O_CLOEXEC | Libc.O_NOFOLLOW | (truncate ? Libc.O_TRUNC : 0);
        _fd = SyscallException.Check(Libc.open(_path, flags, LogFileMode), "open", _path);
        if (FileCalls.fstat(_fd, out var st) < 0)
        {
            int errno = Libc.LastErrno;
            Libc.close(_fd);
            _fd = -1;
            throw new SyscallException("fstat", errno, _path);
        }
        _size = st.st_size;
    }

    /// <summary>A stream's bytes after its last newline.</summary>
    sealed class Pending
    {
        byte[] _buf = new byte[4096];
        int _length;

        public ReadOnlySpan<byte> Data => _buf.AsSpan(0, _length);

        public void Append(ReadOnlySpan<byte> chunk)
        {
            if (_length + chunk.Length > _buf.Length) Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _length + chunk.Length));
            chunk.CopyTo(_buf.AsSpan(_length));
            _length += chunk.Length;
        }

        public void Consume(int n)
        {
            _buf.AsSpan(n, _length - n).CopyTo(_buf);
            _length -= n;
            // A huge chunk grew the buffer; what stays after it is at most MaxPartial.
            if (_buf.Length > 4 * MaxPartial && _length <= MaxPartial) Array.Resize(ref _buf, MaxPartial + 1);
        }
    }
}
