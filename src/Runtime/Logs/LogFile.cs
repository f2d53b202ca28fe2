using Microsoft.Win32.SafeHandles;
using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Logs;

/// <summary>One log file open for reading from where the last read stopped, with its identity
/// (device, inode), so a follower can tell when the path names another file after a rotation.</summary>
sealed class LogFile : IDisposable
{
    // A "line" this long without a newline is not a record of ours: drop it rather than grow.
    const int MaxLine = 1 << 20;

    readonly SafeFileHandle _handle;
    readonly byte[] _chunk = new byte[64 * 1024];
    byte[] _partial = new byte[4096];
    int _partialLength;
    bool _dropping;

    public ulong Device { get; }
    public ulong Inode { get; }
    public long Offset { get; private set; }

    LogFile(SafeFileHandle handle, FileCalls.Stat st) => (_handle, Device, Inode) = (handle, st.st_dev, st.st_ino);

    /// <summary>Null when the file does not exist (not yet created, or rotated away just now).</summary>
    public static LogFile? TryOpen(string path)
    {
        SafeFileHandle handle;
        try { handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
        if (FileCalls.fstat((int)handle.DangerousGetHandle(), out var st) < 0)
        {
            int errno = Libc.LastErrno;
            handle.Dispose();
            throw new SyscallException("fstat", errno, path);
        }
        return new LogFile(handle, st);
    }

    /// <summary>What the file is now: identity, size and mtime. A rotated file is never written
    /// again, so its key stays; a new file that reuses a freed inode gets another mtime and size.</summary>
    public FileKey Key()
    {
        if (FileCalls.fstat((int)_handle.DangerousGetHandle(), out var st) < 0) throw new SyscallException("fstat", Libc.LastErrno);
        return new FileKey(st.st_dev, st.st_ino, st.st_size, st.st_mtime, st.st_mtime_nsec);
    }

    /// <summary>Whether PATH names this same file now.</summary>
    public bool Is(FileCalls.Stat st) => st.st_dev == Device && st.st_ino == Inode;

    /// <summary>Reads to the end of the file, handing each whole line (newline stripped) to ON_LINE;
    /// a last line without its newline waits for the next read. True when anything was read.</summary>
    public bool ReadAvailable(Action<ReadOnlySpan<byte>> onLine)
    {
        bool any = false;
        int n;
        while ((n = RandomAccess.Read(_handle, _chunk, Offset)) > 0)
        {
            any = true;
            Offset += n;
            var data = _chunk.AsSpan(0, n);
            int nl;
            while ((nl = data.IndexOf((byte)'\n')) >= 0)
            {
                if (!_dropping)
                {
                    if (_partialLength == 0) onLine(data[..nl]);
                    else
                    {
                        Append(data[..nl]);
                        if (!_dropping) onLine(_partial.AsSpan(0, _partialLength));
                    }
                }
                _dropping = false;
                _partialLength = 0;
                data = data[(nl + 1)..];
            }
            if (!_dropping) Append(data);
        }
        return any;
    }

    /// <summary>The file was truncated in place (rotation with one file): start again at its top.</summary>
    public void Restart()
    {
        Offset = 0;
        _partialLength = 0;
        _dropping = false;
    }

    void Append(ReadOnlySpan<byte> data)
    {
        if (_partialLength + data.Length > MaxLine) { _partialLength = 0; _dropping = true; return; }
        if (_partialLength + data.Length > _partial.Length) Array.Resize(ref _partial, Math.Max(_partial.Length * 2, _partialLength + data.Length));
        data.CopyTo(_partial.AsSpan(_partialLength));
        _partialLength += data.Length;
    }

    public void Dispose() => _handle.Dispose();
}

readonly record struct FileKey(ulong Device, ulong Inode, long Size, long MtimeSec, long MtimeNsec);
