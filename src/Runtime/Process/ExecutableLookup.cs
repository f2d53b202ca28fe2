using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Process;

/// <summary>Finds args[0] the way execvp would, on the container's PATH (process.env), inside the
/// container's root: done before "created" so a missing program fails create, as runc does.</summary>
public static class ExecutableLookup
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static string Resolve(string name, IEnumerable<string>? env, Func<string, bool>? isExecutable = null)
    {
        isExecutable ??= p => FileCalls.access(p, FileCalls.X_OK) == 0 && !Directory.Exists(p);
        if (name.Contains('/'))
        {
            if (isExecutable(name)) return name;
            throw new FileNotFoundException($"exec: \"{name}\": no such file or not executable");
        }
        string path = env?.LastOrDefault(e => e.StartsWith("PATH="))?[5..] ?? DefaultPath;
        foreach (var dir in path.Split(':'))
        {
            string candidate = Path.Join(dir.Length == 0 ? "." : dir, name);
            if (isExecutable(candidate)) return candidate;
        }
        throw new FileNotFoundException($"exec: \"{name}\": executable file not found in $PATH");
    }
}
