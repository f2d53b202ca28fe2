using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Host;

/// <summary>Where a helper program is: the first executable of that name on PATH, then in
/// /usr/bin, /bin, /usr/sbin, /sbin (podman runs rlrun with little or no PATH).</summary>
public static class ToolLookup
{
    static readonly string[] FixedDirs = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"];

    public static string? Find(string name, string? path = null, Func<string, bool>? isExecutable = null)
    {
        path ??= Environment.GetEnvironmentVariable("PATH") ?? "";
        isExecutable ??= p => FileCalls.access(p, FileCalls.X_OK) == 0 && !Directory.Exists(p);
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(FixedDirs))
        {
            string candidate = Path.Join(dir, name);
            if (isExecutable(candidate)) return candidate;
        }
        return null;
    }
}
