using System.Text.RegularExpressions;

namespace Rlrun.Cli.Commands;

/// <summary>The image form is podman's, and so are its exit codes for a command that cannot run:
/// 127 when it is not found, 126 when it is not executable (what a shell, podman and docker
/// return), where the bundle form keeps runc's 1. Said from runc's words, which the init's refusal
/// carries (ExecutableLookup), whether the run was in the foreground or the daemon's.</summary>
static partial class ImageRunExitCodes
{
    [GeneratedRegex("""exec: "[^"]*": (stat .*: no such file or directory|executable file not found in \$PATH)$""")]
    private static partial Regex NotFound();

    [GeneratedRegex("""exec: "[^"]*": permission denied$""")]
    private static partial Regex NotExecutable();

    public static int Run(CommandContext ctx, string command, Func<int> run)
    {
        try { return run(); }
        catch (Exception e) when (CodeOf(e.Message.Trim()) is int code)
        {
            ctx.Log.Error(e.Message.StartsWith(command + " ", StringComparison.Ordinal) ? e.Message : $"{command}: {e.Message}");
            return code;
        }
    }

    internal static int? CodeOf(string message) =>
        NotFound().IsMatch(message) ? 127 : NotExecutable().IsMatch(message) ? 126 : null;
}
