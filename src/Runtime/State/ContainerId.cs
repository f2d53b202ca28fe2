namespace Rlrun.Runtime.State;

/// <summary>Container IDs name directories: no '/', no '..', nothing that is not a plain file name.</summary>
public static class ContainerId
{
    public const int MaxLength = 1024;

    public static bool IsValid(string id)
    {
        try { Validate(id); return true; }
        catch (ArgumentException) { return false; }
    }

    public static void Validate(string id)
    {
        if (string.IsNullOrEmpty(id)) throw new ArgumentException("container id cannot be empty");
        if (id.Length > MaxLength) throw new ArgumentException($"invalid container id: longer than {MaxLength} characters");
        if (id.Contains('/') || id.Contains("..") || id == ".")
            throw new ArgumentException($"invalid container id \"{id}\": must not contain '/' or '..'");
        foreach (char c in id)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '-' or '.'))
                throw new ArgumentException($"invalid container id \"{id}\": only letters, digits and _ + - . are allowed");
    }
}
