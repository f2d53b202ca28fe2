namespace Rlrun.Runtime.State;

/// <summary>Container IDs name directories: no '/', no '..', nothing that is not a plain file name.</summary>
public static class ContainerId
{
    /// <summary>The ID goes into names the kernel and systemd cap at 255 (NAME_MAX, UNIT_NAME_MAX):
    /// ROOT/ID, ROOT/.supervised/ID.json and its temp file .ID.PID.tmp (PID up to 7 digits),
    /// the logs ID.log.N, the cgroup rlrun-ID, the scope rlrun-ID.scope and the unit
    /// rlrun-ID.service that `generate systemd` names. The longest, rlrun-ID.service, leaves 241.</summary>
    public const int MaxLength = 241;

    public static bool IsValid(string id)
    {
        try { Validate(id); return true; }
        catch (ArgumentException) { return false; }
    }

    public static void Validate(string id)
    {
        if (string.IsNullOrEmpty(id)) throw new ArgumentException("container id cannot be empty");
        if (id.Length > MaxLength)
            throw new ArgumentException($"invalid container id \"{id}\": {id.Length} characters, at most {MaxLength} are allowed (it names files and units limited to 255)");
        if (id.Contains('/') || id.Contains("..") || id == ".")
            throw new ArgumentException($"invalid container id \"{id}\": must not contain '/' or '..'");
        foreach (char c in id)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '-' or '.'))
                throw new ArgumentException($"invalid container id \"{id}\": only letters, digits and _ + - . are allowed");
    }
}
