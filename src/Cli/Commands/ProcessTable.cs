using System.Diagnostics;

namespace Rlrun.Cli.Commands;

/// <summary>Runs ps(1) and keeps the header and the lines whose PID column is one of ours.</summary>
static class ProcessTable
{
    public static string Filter(IReadOnlyList<string> psArgs, IReadOnlyCollection<int> pids)
    {
        var start = new ProcessStartInfo("ps") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in psArgs) start.ArgumentList.Add(a);
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        using var ps = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("ps: could not start");
        string output = ps.StandardOutput.ReadToEnd();
        string err = ps.StandardError.ReadToEnd();
        ps.WaitForExit();
        if (ps.ExitCode != 0) throw new InvalidOperationException($"ps {string.Join(' ', psArgs)}: {err.Trim()}");
        var lines = output.Split('\n');
        int pidColumn = Array.IndexOf(lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries), "PID");
        if (pidColumn < 0) throw new InvalidOperationException("ps: no PID column in its output (pass options that print one)");
        var kept = new List<string> { lines[0] };
        foreach (var line in lines.Skip(1))
        {
            var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length > pidColumn && int.TryParse(cols[pidColumn], out int pid) && pids.Contains(pid)) kept.Add(line);
        }
        return string.Join('\n', kept) + "\n";
    }
}
