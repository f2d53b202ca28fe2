namespace Rlrun.Runtime.State;

/// <summary>Warnings said once per state root, not on every create (podman creates often): a
/// marker file ROOT/.warned-HASH remembers that one was said. rlrun and its supervisors (the
/// foreground one and the daemon) share the memory, so a warning a plain `run` said is not said
/// again by a restart.</summary>
public sealed class WarnedOnce(string root)
{
    public string MarkerOf(string message) => Path.Join(root, $".warned-{StableHash(message):x8}");

    /// <summary>True the first time the message is seen under this root (and remembers it from then on).</summary>
    public bool First(string message)
    {
        string marker = MarkerOf(message);
        if (File.Exists(marker)) return false;
        try
        {
            Directory.CreateDirectory(root);
            File.WriteAllText(marker, message + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return true;
    }

    // FNV-1a: string.GetHashCode differs from one process to the next.
    static uint StableHash(string s)
    {
        uint h = 2166136261;
        foreach (char c in s) { h ^= c; h *= 16777619; }
        return h;
    }
}
