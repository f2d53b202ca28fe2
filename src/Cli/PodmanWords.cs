namespace Rlrun.Cli;

/// <summary>podman's words for what rlrun calls otherwise: an unknown command that is one of them
/// names the rlrun command that does it, so a podman user is not left with "see rlrun --help".</summary>
static class PodmanWords
{
    static readonly Dictionary<string, string> Commands = new(StringComparer.Ordinal)
    {
        ["rm"] = "rlrun delete [--force] ID",
        ["inspect"] = "rlrun state ID for a container, rlrun image inspect REF for an image",
        ["top"] = "rlrun ps ID",
        ["container"] = "rlrun list, state, stop, delete ... (no \"container\" group)",
        ["image ls"] = "rlrun images",
        ["image list"] = "rlrun images",
        ["image rm"] = "rlrun rmi REF",
        ["image pull"] = "rlrun pull REF",
    };

    /// <returns>"; podman's rm is rlrun delete [--force] ID", or "" for a word podman does not have</returns>
    public static string Hint(string command) =>
        Commands.TryGetValue(command, out var ours) ? $"; podman's {command} is {ours}" : "";
}
