using Rlrun.Runtime.Interop;

namespace Rlrun.Images.Run;

/// <summary>Reads a file of an image as its merged root would show it, from the unpacked layers
/// (top first), without mounting anything: the top layer that has it wins, a whiteout or an opaque
/// parent directory above hides it.</summary>
public static class LayerFiles
{
    const string OpaqueXattr = "user.overlay.opaque";

    /// <param name="layersTopFirst">the layers' diff directories</param>
    /// <param name="path">absolute in the image, without symlinks (/etc/passwd)</param>
    public static string? Read(IEnumerable<string> layersTopFirst, string path) =>
        Find(layersTopFirst, path) is { } f && f.Type == FileCalls.S_IFREG ? File.ReadAllText(f.Full) : null;

    /// <summary>The path is there, a file or a symlink (a program's /bin/sh -> busybox), not hidden.</summary>
    public static bool Exists(IEnumerable<string> layersTopFirst, string path) =>
        Find(layersTopFirst, path) is { } f && (f.Type == FileCalls.S_IFREG || f.Type == FileCalls.S_IFLNK);

    /// <summary>The top layer's copy of path (its full path on the host, and its file type from the
    /// lstat that found it), or null: absent, whited out.</summary>
    static (string Full, uint Type)? Find(IEnumerable<string> layersTopFirst, string path)
    {
        string rel = path.TrimStart('/');
        foreach (var layer in layersTopFirst)
        {
            string full = Path.Join(layer, rel);
            if (FileCalls.lstat(full, out var st) == 0)
            {
                uint type = st.st_mode & FileCalls.S_IFMT;
                return type == FileCalls.S_IFCHR && st.st_rdev == 0 ? null : (full, type);
            }
            // A parent hidden (whiteout) or made opaque in this layer hides every lower copy.
            for (string? dir = Path.GetDirectoryName(rel); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
            {
                string d = Path.Join(layer, dir);
                if (FileCalls.lstat(d, out var ds) != 0) continue;
                if ((ds.st_mode & FileCalls.S_IFMT) != FileCalls.S_IFDIR) return null;
                if (Interop.LayerFileCalls.GetXattr(d, OpaqueXattr) is [(byte)'y']) return null;
            }
        }
        return null;
    }
}
