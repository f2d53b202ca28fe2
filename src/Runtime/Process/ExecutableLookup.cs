using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Process;

/// <summary>Finds args[0] the way execvp would, on the container's PATH (process.env), inside the
/// container's root: done before "created" so a missing program fails create, as runc does. The
/// errors are runc's words, which podman turns into exit codes: "no such file or directory" and
/// "executable file not found in $PATH" are 127, "permission denied" 126.</summary>
public static class ExecutableLookup
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>What a probe found: 0 an executable file, NotExecutable a directory or a file without
    /// an execute bit, else the errno that stat gave.</summary>
    public const int NotExecutable = -1;

    public static string Resolve(string name, IEnumerable<string>? env, Func<string, int>? probe = null)
    {
        probe ??= Probe;
        if (name.Contains('/'))
        {
            int found = probe(name);
            if (found == 0) return name;
            throw new FileNotFoundException(found == NotExecutable
                ? $"exec: \"{name}\": permission denied"
                : $"exec: \"{name}\": stat {name}: {ErrnoText(found)}");
        }
        string path = SearchPath(env);
        foreach (var dir in path.Split(':'))
        {
            string candidate = Path.Join(dir.Length == 0 ? "." : dir, name);
            if (probe(candidate) == 0) return candidate;
        }
        throw new FileNotFoundException($"exec: \"{name}\": executable file not found in $PATH");
    }

    /// <summary>The PATH an environment gives (its last PATH= entry), else the default runc and podman use.</summary>
    public static string SearchPath(IEnumerable<string>? env) =>
        env?.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? DefaultPath;

    /// <summary>stat, then a regular file (or anything not a directory) with an execute bit.</summary>
    public static int Probe(string path)
    {
        if (FileCalls.stat(path, out var st) < 0) return Libc.LastErrno;
        if ((st.st_mode & FileCalls.S_IFMT) == FileCalls.S_IFDIR || (st.st_mode & 0x49) == 0) return NotExecutable; // 0111
        return 0;
    }

    /// <summary>The errno's own words, lower-case as Go (and so runc) prints them.</summary>
    public static string ErrnoText(int errno)
    {
        string text = Libc.StrError(errno);
        return text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..] : text;
    }
}
