using Rlrun.Runtime.Interop;

namespace Rlrun.UnitTests.Support;

/// <summary>A directory tree that looks like a cgroup2 mount to code that only reads and writes
/// files: each cgroup is a directory with a cgroup.procs file. Owner is the uid the tree is
/// "delegated" to: ours, or when the tests run as root a made-up uid the dirs are chowned to
/// (root passes every access check, so only ownership can tell delegated dirs apart).</summary>
public sealed class FakeCgroupTree : IDisposable
{
    readonly TempDir _tmp = new();

    public FakeCgroupTree()
    {
        Mount = _tmp.Join("cgroup");
        Directory.CreateDirectory(Mount);
    }

    public static bool AsRoot => ProcessCalls.geteuid() == 0;

    public static uint Owner => AsRoot ? 4242u : ProcessCalls.geteuid();

    /// <summary>A uid that owns none of the tree.</summary>
    public static uint Stranger => Owner + 1;

    public string Mount { get; }

    public string PathOf(string cgroup) => cgroup is "" or "/" ? Mount : Path.Join(Mount, cgroup);

    /// <summary>Makes the cgroup (and missing parents, as plain dirs) with a cgroup.procs file, owned by Owner.</summary>
    public string Cgroup(string cgroup, bool procsFile = true, bool owned = true)
    {
        string dir = PathOf(cgroup);
        Directory.CreateDirectory(dir);
        if (procsFile) File.WriteAllText(Path.Join(dir, "cgroup.procs"), "");
        if (owned) Chown(dir, Owner);
        if (owned && procsFile) Chown(Path.Join(dir, "cgroup.procs"), Owner);
        return dir;
    }

    public void Write(string cgroup, string file, string content) => File.WriteAllText(Path.Join(PathOf(cgroup), file), content);

    public string Read(string cgroup, string file) => File.ReadAllText(Path.Join(PathOf(cgroup), file));

    static void Chown(string path, uint uid)
    {
        if (!AsRoot) return; // already ours
        if (FileCalls.fchownat(FileCalls.AT_FDCWD, path, (int)uid, (int)uid, 0) != 0)
            throw new IOException($"chown {path}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    public void Dispose() => _tmp.Dispose();
}
