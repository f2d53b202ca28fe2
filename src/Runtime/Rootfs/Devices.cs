using Rlrun.Runtime.Spec;
using Rlrun.Runtime.Syscalls;
using static Rlrun.Runtime.Interop.FileCalls;
using static Rlrun.Runtime.Interop.MountCalls;

namespace Rlrun.Runtime.Rootfs;

/// <summary>The device nodes of /dev: made with mknod by a real root, bound from the host's
/// nodes in a user namespace (where mknod of a device is refused).</summary>
public static class Devices
{
    public static readonly SpecDevice[] Defaults =
    [
        new() { Type = "c", Path = "/dev/null", Major = 1, Minor = 3, FileMode = 0x1b6 },
        new() { Type = "c", Path = "/dev/zero", Major = 1, Minor = 5, FileMode = 0x1b6 },
        new() { Type = "c", Path = "/dev/full", Major = 1, Minor = 7, FileMode = 0x1b6 },
        new() { Type = "c", Path = "/dev/random", Major = 1, Minor = 8, FileMode = 0x1b6 },
        new() { Type = "c", Path = "/dev/urandom", Major = 1, Minor = 9, FileMode = 0x1b6 },
        new() { Type = "c", Path = "/dev/tty", Major = 5, Minor = 0, FileMode = 0x1b6 },
    ];

    static readonly (string Link, string Target)[] Links =
    [
        ("/dev/fd", "/proc/self/fd"), ("/dev/stdin", "/proc/self/fd/0"), ("/dev/stdout", "/proc/self/fd/1"),
        ("/dev/stderr", "/proc/self/fd/2"), ("/dev/ptmx", "pts/ptmx"),
    ];

    /// <summary>The default devices plus config.json's, a later entry for the same path winning.</summary>
    public static List<SpecDevice> Merge(IEnumerable<SpecDevice>? configured)
    {
        var byPath = new Dictionary<string, SpecDevice>();
        foreach (var d in Defaults.Concat(configured ?? [])) byPath[d.Path] = d;
        return byPath.Values.ToList();
    }

    /// <param name="required">paths config.json asked for: missing on the host is an error, not a skip</param>
    public static void Create(ISyscalls sys, string rootfs, IEnumerable<SpecDevice> devices, bool bindFromHost, IReadOnlySet<string>? required = null)
    {
        foreach (var d in devices)
        {
            if (bindFromHost)
            {
                if (!sys.Exists(d.Path))
                {
                    if (required?.Contains(d.Path) == true)
                        throw new SpecError($"linux.devices: {d.Path}: a user namespace cannot make device nodes, and the host has no {d.Path} to bind");
                    continue; // a default device the host lacks
                }
                using var target = sys.OpenInRoot(rootfs, d.Path, leafIsFile: true);
                sys.Mount(d.Path, target.ProcPath, null, MS_BIND, null);
                continue;
            }
            // mknod needs a path: resolve the parent inside the rootfs, then make the node in it.
            string dir = Path.GetDirectoryName(d.Path)!, name = Path.GetFileName(d.Path);
            using var parent = sys.OpenInRoot(rootfs, dir, leafIsFile: false);
            string node = $"{parent.ProcPath}/{name}";
            if (sys.Exists(node)) continue;
            uint type = d.Type switch { "b" => S_IFBLK, "p" => S_IFIFO, _ => S_IFCHR };
            sys.Mknod(node, type | ((d.FileMode ?? 0x1b6) & 0xfff), Makedev((uint)d.Major, (uint)d.Minor));
            sys.Chown(node, d.Uid ?? 0, d.Gid ?? 0);
        }
    }

    public static void CreateLinks(ISyscalls sys, string rootfs, bool hasPtsMount)
    {
        using var dev = sys.OpenInRoot(rootfs, "/dev", leafIsFile: false);
        foreach (var (link, target) in Links)
        {
            if (link == "/dev/ptmx" && !hasPtsMount) continue;
            string at = $"{dev.ProcPath}/{Path.GetFileName(link)}";
            if (sys.Exists(at) || sys.IsSymlink(at)) continue;
            sys.Symlink(target, at);
        }
    }
}
