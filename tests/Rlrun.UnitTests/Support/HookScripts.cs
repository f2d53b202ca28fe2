using Rlrun.Runtime.Spec;

namespace Rlrun.UnitTests.Support;

/// <summary>Tiny /bin/sh hooks written into a temp dir, for running through HookRunner.</summary>
public static class HookScripts
{
    /// <summary>Writes an executable script "#!/bin/sh\n" + body and returns its path.</summary>
    public static string Write(TempDir dir, string name, string body)
    {
        string path = dir.Join(name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public static SpecHook Hook(string path, int? timeout = null, List<string>? args = null, List<string>? env = null) =>
        new() { Path = path, Timeout = timeout, Args = args, Env = env };

    /// <summary>Single-quotes a path for a script.</summary>
    public static string Q(string s) => "'" + s.Replace("'", "'\\''") + "'";
}
