using Rlrun.Runtime.Process;

namespace Rlrun.Supervisor;

/// <summary>rlrun-supervisor: started by rlrun (exec) for the commands that need the actor system.
/// It takes the same global flags as rlrun and is not meant to be called by hand.</summary>
public static class Program
{
    public static string Version => typeof(Program).Assembly.GetName().Version?.ToString(3) ?? "0";

    public static int Main(string[] args)
    {
        // Its errors and warnings reach the user's terminal as rlrun's do: plain fds, not .NET's
        // console, which writes ESC[?1h ESC= to a terminal before its first line.
        Rlrun.Runtime.Host.TerminalStdio.Plain();
        // The containers run a sealed copy of rlrun (which has the native stage), not of us.
        SealedExecutable.SourcePath = Environment.GetEnvironmentVariable("RLRUN_EXE") ?? Path.Join(AppContext.BaseDirectory, "rlrun");
        Rlrun.Runtime.Host.RuntimeDirFallback.Apply();
        Rlrun.Runtime.Cgroups.CgroupManagers.RegisterSystemd(within => Rlrun.Systemd.Cgroups.SystemdCgroupManager.TryConnect(within, w => Console.Error.WriteLine($"rlrun: warning: {w}")));
        try
        {
            return args switch
            {
                ["run", .. var rest] => ForegroundRun.Run(rest),
                ["daemon", .. var rest] => Daemon.DaemonHost.Run(rest),
                _ => Fail("usage: rlrun-supervisor run [flags] ID | daemon [flags] (rlrun run --restart=POLICY and rlrun daemon start it)"),
            };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Fail(e.Message.Replace('\n', ' '));
        }
    }

    static int Fail(string message)
    {
        Console.Error.WriteLine($"rlrun: {message}");
        return 1;
    }
}
