namespace Rlrun.Cli;

/// <summary>rlrun-full, installed beside rlrun: the same CLI published with what the small rlrun
/// leaves out (ImageFeatures.Fetching: the registry client, TLS, layer decompression). The small
/// rlrun becomes it (execve, same argv and environment) for the commands it does not carry, so a
/// user sees one rlrun; `RLRUN_FULL` names another path (tests, a relocated install).</summary>
static class FullBinary
{
    public const string FileName = "rlrun-full";

    /// <summary>Our command line as Main got it, for the hand-over.</summary>
    public static string[] Argv { get; set; } = [];

    public static string PathOf() => BesideRlrun.PathOf(FileName, "RLRUN_FULL");

    /// <summary>The path, or an error naming the missing binary and what needed it.</summary>
    public static string Require(string what)
    {
        string path = PathOf();
        if (!BesideRlrun.IsExecutable(path))
            throw new FileNotFoundException($"{path} {BesideRlrun.WhyNot(path)}: {what} is done by {FileName} (make install puts it beside rlrun)");
        return path;
    }

    /// <summary>Becomes rlrun-full with our argv; returns only by throwing.</summary>
    public static int Exec(string command) => BesideRlrun.Exec(Require(command), Argv, Runtime.Process.EnvironmentEntries.Current());
}
