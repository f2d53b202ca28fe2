using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Overlay;

/// <summary>The last resort, podman's "vfs": the layers copied bottom first into the container's
/// own directory, their whiteouts and opaque directories applied as overlay would show them. Done
/// by the init as root of the container's user namespace, so owners in the subordinate range are
/// kept; done once per container (a restart finds its copy, with what it wrote).</summary>
public static class VfsCopy
{
    public const string DoneMarker = "vfs-copied";
    const string OpaqueXattr = "user.overlay.opaque";

    public static void Mount(LayeredRoot root, string target)
    {
        string marker = Path.Join(root.Work, DoneMarker);
        if (!File.Exists(marker))
        {
            foreach (var layer in root.LowerPaths.Reverse()) CopyTree(layer, root.Upper);
            File.WriteAllText(marker, "");
        }
        SyscallException.Check(MountCalls.mount(root.Upper, target, null, MountCalls.MS_BIND | MountCalls.MS_REC, null), "mount", $"bind {root.Upper} on {target}");
    }

    static void CopyTree(string from, string to)
    {
        // Hard links within a layer stay links: first path copied per inode.
        var links = new Dictionary<(ulong, ulong), string>();
        CopyDir(from, to, links);
    }

    static void CopyDir(string from, string to, Dictionary<(ulong, ulong), string> links)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(from))
        {
            string dest = Path.Join(to, Path.GetFileName(entry));
            SyscallException.Check(FileCalls.lstat(entry, out var st), "lstat", entry);
            uint type = st.st_mode & FileCalls.S_IFMT;
            if (type == FileCalls.S_IFCHR && st.st_rdev == 0) { Remove(dest); continue; } // a whiteout
            if (type == FileCalls.S_IFDIR)
            {
                bool opaque = LinkCalls.Get(entry, OpaqueXattr) is [(byte)'y'];
                if (opaque || !IsDirectory(dest)) Remove(dest);
                if (!Directory.Exists(dest)) SyscallException.Check(Libc.mkdir(dest, 0x1c0), "mkdir", dest);
                CopyDir(entry, dest, links);
                Own(dest, st);
                continue;
            }
            Remove(dest);
            if (type == FileCalls.S_IFREG && st.st_nlink > 1 && links.TryGetValue((st.st_dev, st.st_ino), out var first))
            {
                LinkCalls.Link(first, dest);
                continue;
            }
            if (type == FileCalls.S_IFREG)
            {
                File.Copy(entry, dest);
                if (st.st_nlink > 1) links[(st.st_dev, st.st_ino)] = dest;
            }
            else if (type == FileCalls.S_IFLNK)
            {
                File.CreateSymbolicLink(dest, new FileInfo(entry).LinkTarget!);
            }
            // fifos, sockets; devices cannot be made in a user namespace (the container's /dev is its own)
            else if (FileCalls.mknodat(FileCalls.AT_FDCWD, dest, (int)st.st_mode, st.st_rdev) != 0)
            {
                continue;
            }
            Own(dest, st);
        }
    }

    static void Own(string path, FileCalls.Stat st)
    {
        SyscallException.Check(FileCalls.fchownat(FileCalls.AT_FDCWD, path, (int)st.st_uid, (int)st.st_gid, FileCalls.AT_SYMLINK_NOFOLLOW), "lchown", path);
        // chown clears setuid and setgid: the mode goes last; a symlink has none.
        if ((st.st_mode & FileCalls.S_IFMT) != FileCalls.S_IFLNK)
            SyscallException.Check(FileCalls.chmod(path, (int)(st.st_mode & 0xFFF)), "chmod", path);
    }

    static bool IsDirectory(string path) => FileCalls.lstat(path, out var st) == 0 && (st.st_mode & FileCalls.S_IFMT) == FileCalls.S_IFDIR;

    static void Remove(string path)
    {
        if (FileCalls.lstat(path, out var st) != 0) return;
        if ((st.st_mode & FileCalls.S_IFMT) == FileCalls.S_IFDIR) Directory.Delete(path, recursive: true);
        else File.Delete(path);
    }
}
