using System.Formats.Tar;
using Rlrun.Images.Oci;
using Rlrun.Images.Store;
using Rlrun.Images.Unpack;
using Rlrun.Runtime.Interop;

namespace Rlrun.Images.Layout;

/// <summary>Unpacks an image archive (oci-archive, docker-archive) into the store's tmp/ so its blobs
/// can be read by name: plain files and directories owned by the user, symlinks kept as links, no
/// path out of the directory. The directory's lock file is held while it is in use, so an interrupted
/// import leaves a directory the next command recognises as a leftover and removes.</summary>
public sealed class ArchiveExtractor : IDisposable
{
    readonly FileLock _lock;
    readonly string _lockPath;

    public string Dir { get; }

    public ArchiveExtractor(StorePaths paths, string archive, string description)
    {
        string tag = Guid.NewGuid().ToString("N")[..16];
        Dir = Path.Join(paths.Tmp, $"import-{tag}");
        _lockPath = Dir + ".lock";
        _lock = FileLock.Exclusive(_lockPath);
        try
        {
            Directory.CreateDirectory(Dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            using var file = OpenArchive(archive, description);
            using var reader = new TarReader(file);
            TarEntry? entry;
            while ((entry = reader.GetNextEntry()) is not null) Write(entry, description);
        }
        catch (EndOfStreamException) { Dispose(); throw new ImageFormatException($"{description}: archive is truncated"); }
        catch (InvalidDataException e) { Dispose(); throw new ImageFormatException($"{description}: not a tar archive, or a damaged one: {e.Message}"); }
        catch (LayerEntryException e) { Dispose(); throw new ImageFormatException($"{description}: {e.Message}"); }
        catch { Dispose(); throw; }
    }

    static Stream OpenArchive(string path, string description)
    {
        try { return File.OpenRead(path); }
        catch (FileNotFoundException) { throw new ArgumentException($"{description}: no such file"); }
        catch (DirectoryNotFoundException) { throw new ArgumentException($"{description}: no such file"); }
    }

    void Write(TarEntry entry, string description)
    {
        var parts = LayerPath.Components(entry.Name);
        if (parts.Length == 0) return;
        string path = LayerPath.Resolve(Dir, entry.Name, parts);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        switch (entry.EntryType)
        {
            case TarEntryType.Directory: Directory.CreateDirectory(path); break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                using (var target = new FileStream(path, FileMode.Create, FileAccess.Write))
                    entry.DataStream?.CopyTo(target);
                break;
            case TarEntryType.SymbolicLink:
                SyscallException.Check(FileCalls.symlinkat(entry.LinkName, FileCalls.AT_FDCWD, path), "symlink", path);
                break;
            case TarEntryType.HardLink:
            {
                var targetParts = LayerPath.Components(entry.LinkName);
                File.Copy(LayerPath.Resolve(Dir, entry.LinkName, targetParts), path, overwrite: true);
                break;
            }
            case TarEntryType.GlobalExtendedAttributes: break;
            default: throw new ImageFormatException($"{description}: unexpected archive entry \"{entry.Name}\" ({entry.EntryType})");
        }
    }

    /// <summary>A file of the archive, opened only if it (and any link to it) stays inside it.</summary>
    public Stream Open(string relative, string what)
    {
        var parts = LayerPath.Components(relative);
        string path = Path.Join(Dir, string.Join('/', parts));
        var info = new FileInfo(path);
        string real = info.LinkTarget is not null ? info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path : path;
        if (!Path.GetFullPath(real).StartsWith(Dir + "/", StringComparison.Ordinal))
            throw new ImageFormatException($"{what}: \"{relative}\" points outside the archive");
        try { return File.OpenRead(real); }
        catch (FileNotFoundException) { throw new ImageFormatException($"{what}: \"{relative}\" is missing from the archive"); }
    }

    public void Dispose()
    {
        try { if (Directory.Exists(Dir)) TreeRemover.Remove(Dir); }
        finally
        {
            File.Delete(_lockPath);
            _lock.Dispose();
        }
    }
}
