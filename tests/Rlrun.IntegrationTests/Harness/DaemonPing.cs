namespace Rlrun.IntegrationTests.Harness;

/// <summary>`rlrun daemon --ping` prints "rlrun daemon VERSION, pid N, root R, ..." when one answers.</summary>
public static class DaemonPing
{
    /// <summary>The answering daemon's pid, or null when none answered.</summary>
    public static int? Pid(ProcResult ping)
    {
        int at = ping.Stdout.IndexOf("pid ", StringComparison.Ordinal);
        return ping.ExitCode == 0 && at >= 0 && int.TryParse(new string(ping.Stdout[(at + 4)..].TakeWhile(char.IsAsciiDigit).ToArray()), out int pid)
            ? pid : null;
    }
}
