using Rlrun.Runtime.Interop;

namespace Rlrun.Images.Unpack;

/// <summary>rm -rf that gets through what a layer may hold: directories without write or search
/// permission (made writable first), and never follows a symlink.</summary>
public static class TreeRemover
{
    public static void Remove(string path)
    {
        if (FileCalls.lstat(path, out var st) < 0) return;
        if ((st.st_mode & FileCalls.S_IFMT) == FileCalls.S_IFDIR)
        {
            if ((st.st_mode & 0x1c0) != 0x1c0) FileCalls.chmod(path, 0x1c0);
            foreach (var child in Directory.EnumerateFileSystemEntries(path)) Remove(child);
            SyscallException.Check(Libc.rmdir(path), "rmdir", path);
        }
        else File.Delete(path);
    }
}
