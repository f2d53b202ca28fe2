using Rlrun.Runtime.Interop;

namespace Rlrun.Runtime.Host;

/// <summary>su, sudo -u, runuser and cron leave XDG_RUNTIME_DIR unset although the user's
/// /run/user/UID (and a running manager's bus in it) exists. rlrun already keeps its state there
/// then; it takes the directory as its XDG_RUNTIME_DIR too, so that it finds the manager, tells
/// why it cannot have a scope and says what to run, instead of "no user manager answers".</summary>
public static class RuntimeDirFallback
{
    /// <summary>The directory to use, or null: only for a non-root user without XDG_RUNTIME_DIR,
    /// and only /run/user/UID owned by that user (never another user's, never a symlink).</summary>
    public static string? For(uint euid, string? xdgRuntimeDir)
    {
        if (euid == 0 || !string.IsNullOrEmpty(xdgRuntimeDir)) return null;
        string dir = $"/run/user/{euid}";
        if (FileCalls.lstat(dir, out var st) != 0) return null;
        return (st.st_mode & FileCalls.S_IFMT) == FileCalls.S_IFDIR && st.st_uid == euid ? dir : null;
    }

    public static void Apply()
    {
        if (For(ProcessCalls.geteuid(), Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR")) is { } dir)
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", dir);
    }
}
