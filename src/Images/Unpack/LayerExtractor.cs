using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using Rlrun.Images.Interop;
using Rlrun.Images.Oci;
using Rlrun.Runtime.Interop;

namespace Rlrun.Images.Unpack;

/// <summary>What extracting one layer found: the digest of the uncompressed tar (to check against
/// the config's diff_id) and the bytes of file content written.</summary>
public sealed record ExtractResult(Digest DiffId, long Size);

/// <summary>Extracts one layer's tar into a directory in the form an overlay reads (see Whiteouts):
/// ownership, modes with setuid bits, hard links, symlinks, xattrs, mtimes and holes are kept;
/// device nodes are skipped where mknod is refused (rootless), with a debug line.
/// Runs as root of a user namespace mapped like containers, so chown applies the layer's IDs.</summary>
public sealed class LayerExtractor(string root, bool applyOwnership, Action<string>? debug = null)
{
    readonly List<(string Path, DateTimeOffset Mtime)> _dirTimes = [];
    // Directories this extraction made or found: most entries then need no lstat of their parent.
    readonly HashSet<string> _dirs = new(StringComparer.Ordinal);
    // One buffer for every file's data: a new one per file costs more zeroing than the copy.
    readonly byte[] _buffer = new byte[1 << 17];
    long _size;

    public static Stream Decompress(Stream blob, LayerCompression compression) => compression switch
    {
        LayerCompression.Gzip => new System.IO.Compression.GZipStream(blob, System.IO.Compression.CompressionMode.Decompress),
        LayerCompression.Zstd => new ZstdSharp.DecompressionStream(blob),
        _ => blob,
    };

    /// <summary>Reads the tar from the (uncompressed) stream to its end and returns its digest.</summary>
    public ExtractResult Extract(Stream tar)
    {
        using var hashing = new HashingStream(tar);
        Directory.CreateDirectory(root);
        _dirs.Add(Path.TrimEndingDirectorySeparator(root));
        // Decompression and hashing run on a thread of their own, ahead of extraction.
        using var ahead = new ReadAheadStream(hashing);
        try
        {
            using (var reader = new TarReader(new MissingTrailerStream(ahead), leaveOpen: true))
            {
                TarEntry? entry;
                while ((entry = reader.GetNextEntry(copyData: false)) is not null)
                    Apply(entry);
            }
            ahead.Drain(); // the end-of-archive blocks and padding count in the diff_id
        }
        catch (EndOfStreamException) { throw new ImageFormatException("layer is truncated (the tar stream ends inside an entry)"); }
        catch (ZstdSharp.ZstdException e) { throw new ImageFormatException($"layer is not valid zstd: {e.Message}"); }
        catch (InvalidDataException e) when (e.Message.Contains("end", StringComparison.OrdinalIgnoreCase) || e.InnerException is EndOfStreamException)
        { throw new ImageFormatException($"layer is truncated or damaged: {e.Message}"); }
        // Directory times last: writing into a directory changes its mtime.
        for (int i = _dirTimes.Count - 1; i >= 0; i--) LayerFileCalls.SetMtime(_dirTimes[i].Path, _dirTimes[i].Mtime);
        return new ExtractResult(hashing.Digest(), _size);
    }

    void Apply(TarEntry entry)
    {
        string name = entry.Name;
        var parts = LayerPath.Components(name);
        if (entry.EntryType is TarEntryType.GlobalExtendedAttributes) return;
        if (parts.Length == 0)
        {
            // "./": the layer root itself.
            if (entry.EntryType == TarEntryType.Directory) SetAttributes(root, entry, isDir: true);
            return;
        }
        string path = LayerPath.Resolve(root, name, parts);
        string baseName = parts[^1];
        string parent = Path.GetDirectoryName(path)!;
        EnsureParent(parent);

        if (Whiteouts.IsOpaqueMarker(baseName))
        {
            Check(LayerFileCalls.SetXattr(parent, Whiteouts.OpaqueXattr, Whiteouts.OpaqueValue), "setxattr " + Whiteouts.OpaqueXattr, name);
            return;
        }
        if (baseName.StartsWith(Whiteouts.Prefix + Whiteouts.Prefix, StringComparison.Ordinal))
        {
            debug?.Invoke($"layer entry \"{name}\": aufs metadata, skipped");
            return;
        }
        if (Whiteouts.Hidden(baseName) is { } hidden)
        {
            if (hidden.Length == 0 || hidden is "." or "..") throw new LayerEntryException(name, "whiteout of nothing");
            string target = Path.Join(parent, hidden);
            RemoveExisting(target);
            Check(FileCalls.mknodat(FileCalls.AT_FDCWD, target, (int)(FileCalls.S_IFCHR | 0), 0), "mknod (whiteout)", name);
            return;
        }

        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                if (!_dirs.Contains(path) && FileCalls.mkdirat(FileCalls.AT_FDCWD, path, 0x1c0) < 0)
                {
                    int err = Libc.LastErrno;
                    if (err != Libc.EEXIST) throw Failed("mkdir", name, err);
                    if (!IsDirectory(path))
                    {
                        RemoveExisting(path);
                        Check(FileCalls.mkdirat(FileCalls.AT_FDCWD, path, 0x1c0), "mkdir", name);
                    }
                }
                _dirs.Add(path);
                SetAttributes(path, entry, isDir: true);
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                WriteFile(path, entry);
                break;
            case TarEntryType.SymbolicLink:
                // Made first; only a name already taken (rare in a layer) costs a removal and a retry.
                if (FileCalls.symlinkat(entry.LinkName, FileCalls.AT_FDCWD, path) < 0)
                {
                    if (Libc.LastErrno != Libc.EEXIST) throw Failed("symlink", name, Libc.LastErrno);
                    RemoveExisting(path);
                    Check(FileCalls.symlinkat(entry.LinkName, FileCalls.AT_FDCWD, path), "symlink", name);
                }
                SetAttributes(path, entry, isDir: false, isLink: true);
                break;
            case TarEntryType.HardLink:
            {
                string target;
                try
                {
                    var targetParts = LayerPath.Components(entry.LinkName);
                    if (targetParts.Length == 0) throw new LayerEntryException(name, "hard link to the layer root");
                    target = LayerPath.Resolve(root, entry.LinkName, targetParts);
                }
                catch (LayerEntryException e) when (e.Entry != name)
                {
                    throw new LayerEntryException(name, $"hard link target {e.Message[("layer entry ".Length)..]}");
                }
                if (FileCalls.lstat(target, out var st) < 0)
                    throw new LayerEntryException(name, $"hard link to \"{entry.LinkName}\", which the layer does not have (yet)");
                if ((st.st_mode & FileCalls.S_IFMT) == FileCalls.S_IFDIR) throw new LayerEntryException(name, "hard link to a directory");
                RemoveExisting(path);
                try { LayerFileCalls.Link(target, path); }
                catch (SyscallException e) { throw new LayerEntryException(name, e.Message); }
                break;
            }
            case TarEntryType.Fifo:
                RemoveExisting(path);
                Check(FileCalls.mknodat(FileCalls.AT_FDCWD, path, (int)(FileCalls.S_IFIFO | 0x180), 0), "mkfifo", name);
                SetAttributes(path, entry, isDir: false);
                break;
            case TarEntryType.CharacterDevice or TarEntryType.BlockDevice:
            {
                RemoveExisting(path);
                uint type = entry.EntryType == TarEntryType.CharacterDevice ? FileCalls.S_IFCHR : FileCalls.S_IFBLK;
                ulong dev = FileCalls.Makedev((uint)((PosixTarEntry)entry).DeviceMajor, (uint)((PosixTarEntry)entry).DeviceMinor);
                if (FileCalls.mknodat(FileCalls.AT_FDCWD, path, (int)(type | 0x180), dev) < 0)
                {
                    int err = Libc.LastErrno;
                    if (err != Libc.EPERM) throw new LayerEntryException(name, $"mknod: {Libc.StrError(err)}");
                    debug?.Invoke($"layer entry \"{name}\": device node skipped (mknod is not allowed rootless; the container's /dev provides devices)");
                    return;
                }
                SetAttributes(path, entry, isDir: false);
                break;
            }
            default:
                throw new LayerEntryException(name, $"unsupported tar entry type {entry.EntryType}");
        }
    }

    /// <summary>A regular file: created (O_EXCL; an existing name is removed first, as a later entry
    /// replaces an earlier one), its data written with zero blocks left as holes, then owner, mode,
    /// xattrs and mtime set through the fd.</summary>
    void WriteFile(string path, TarEntry entry)
    {
        const int Flags = 0x20000 /* O_NOFOLLOW */;
        int fd = FileCalls.openat(FileCalls.AT_FDCWD, path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC | Flags, 0x180);
        if (fd < 0 && Libc.LastErrno == Libc.EEXIST)
        {
            RemoveExisting(path);
            fd = FileCalls.openat(FileCalls.AT_FDCWD, path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC | Flags, 0x180);
        }
        if (fd < 0) throw Failed("create", entry.Name, Libc.LastErrno);
        try
        {
            if (entry.DataStream is { } data)
            {
                long length = 0, end = 0;
                int n;
                while ((n = ReadFull(data, _buffer)) > 0)
                {
                    end = WriteSparse(fd, _buffer.AsSpan(0, n), length, end, entry.Name);
                    length += n;
                }
                // A file that ends in a hole: its length, without writing the zeros.
                if (end != length) CheckErr(LayerFileCalls.Ftruncate(fd, length), "truncate", entry.Name);
                _size += length;
            }
            // chown before chmod: chown clears the setuid and setgid bits.
            if (applyOwnership) CheckOwner(LayerFileCalls.Fchown(fd, entry.Uid, entry.Gid), entry);
            CheckErr(LayerFileCalls.Fchmod(fd, (int)entry.Mode & 0xfff), "chmod", entry.Name);
            if (entry is PaxTarEntry pax) SetXattrs(path, entry.Name, pax.ExtendedAttributes);
            LayerFileCalls.SetMtime(fd, entry.ModificationTime);
        }
        finally { Libc.close(fd); }
    }

    static int ReadFull(Stream s, byte[] buffer)
    {
        int total = 0, n;
        while (total < buffer.Length && (n = s.Read(buffer, total, buffer.Length - total)) > 0) total += n;
        return total;
    }

    /// <summary>Writes the chunk at OFFSET except its whole zero blocks; returns the end of what was written.</summary>
    static long WriteSparse(int fd, ReadOnlySpan<byte> chunk, long offset, long end, string name)
    {
        const int Block = 4096;
        int start = 0;
        for (int off = 0; ; off += Block)
        {
            bool atEnd = off >= chunk.Length;
            bool hole = !atEnd && chunk.Length - off >= Block && !chunk.Slice(off, Block).ContainsAnyExcept((byte)0);
            if (!atEnd && !hole) continue;
            // A run of data blocks [start, stop) ends here, at a hole or at the chunk's end.
            int stop = Math.Min(off, chunk.Length);
            if (stop > start)
            {
                CheckErr(LayerFileCalls.Pwrite(fd, chunk[start..stop], offset + start), "write", name);
                end = offset + stop;
            }
            if (atEnd) return end;
            start = off + Block;
        }
    }

    void SetAttributes(string path, TarEntry entry, bool isDir, bool isLink = false)
    {
        // chown before chmod: chown clears the setuid and setgid bits.
        if (applyOwnership)
            CheckOwner(FileCalls.fchownat(FileCalls.AT_FDCWD, path, entry.Uid, entry.Gid, FileCalls.AT_SYMLINK_NOFOLLOW) < 0 ? Libc.LastErrno : 0, entry);
        if (!isLink)
            Check(FileCalls.chmod(path, (int)entry.Mode & 0xfff), "chmod", entry.Name);
        if (entry is PaxTarEntry pax) SetXattrs(path, entry.Name, pax.ExtendedAttributes);
        if (isDir) _dirTimes.Add((path, entry.ModificationTime));
        else LayerFileCalls.SetMtime(path, entry.ModificationTime);
    }

    void SetXattrs(string path, string name, IReadOnlyDictionary<string, string> pax)
    {
        const string Prefix = "SCHILY.xattr.";
        foreach (var (key, value) in pax)
        {
            if (!key.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            string attr = key[Prefix.Length..];
            // PAX values are UTF-8 text; binary values (security.capability) come through as Latin-1 bytes.
            byte[] bytes = value.All(c => c < 256) ? Encoding.Latin1.GetBytes(value) : Encoding.UTF8.GetBytes(value);
            int err = LayerFileCalls.SetXattr(path, attr, bytes);
            if (err == 0) continue;
            if ((err == Libc.EPERM || err == LayerFileCalls.ENOTSUP) && !attr.StartsWith("user.", StringComparison.Ordinal))
            {
                debug?.Invoke($"layer entry \"{name}\": xattr {attr} skipped ({Libc.StrError(err)})");
                continue;
            }
            throw Failed($"setxattr {attr}", name, err);
        }
    }

    static bool IsDirectory(string path) => FileCalls.lstat(path, out var st) == 0 && (st.st_mode & FileCalls.S_IFMT) == FileCalls.S_IFDIR;

    /// <summary>A later entry replaces an earlier one of the same name (a directory merges instead).</summary>
    void RemoveExisting(string path)
    {
        if (FileCalls.lstat(path, out var st) < 0) return;
        if ((st.st_mode & FileCalls.S_IFMT) == FileCalls.S_IFDIR)
        {
            Directory.Delete(path, recursive: true);
            // Rare: forget every directory known rather than find those that were under it.
            _dirs.Clear();
            _dirs.Add(Path.TrimEndingDirectorySeparator(root));
        }
        else File.Delete(path);
    }

    void EnsureParent(string parent)
    {
        if (_dirs.Contains(parent)) return;
        // A parent the tar did not list: made like tar does, root-owned 0755.
        if (!IsDirectory(parent)) Directory.CreateDirectory(parent);
        _dirs.Add(parent);
    }

    static void CheckOwner(int err, TarEntry entry)
    {
        if (err == 0) return;
        if (err == Libc.EINVAL)
            throw new LayerEntryException(entry.Name, $"owner {entry.Uid}:{entry.Gid} is outside the user namespace's mapping (add a larger range to /etc/subuid and /etc/subgid)");
        throw Failed("chown", entry.Name, err);
    }

    static void CheckErr(int err, string call, string entry)
    {
        if (err != 0) throw Failed(call, entry, err);
    }

    static void Check(int rc, string call, string entry)
    {
        if (rc != 0) throw Failed(call, entry, rc > 0 ? rc : Libc.LastErrno);
    }

    static Exception Failed(string call, string entry, int errno) =>
        errno == Libc.ENOSPC ? new IOException($"no space left on device while unpacking layer entry \"{entry}\"")
            : new LayerEntryException(entry, $"{call}: {Libc.StrError(errno)}");
}
