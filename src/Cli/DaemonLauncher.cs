using System.Security.Cryptography;
using System.Text;
using Rlrun.Runtime.Cgroups;
using Rlrun.Runtime.Daemon;
using Rlrun.Runtime.Interop;
using Rlrun.Systemd;
using Rlrun.Systemd.Cgroups;

namespace Rlrun.Cli;

/// <summary>How the daemon was started.</summary>
public enum DaemonStart
{
    /// <summary>rlrun.socket: systemd starts rlrun.service at the first connection.</summary>
    SocketUnit,
    /// <summary>A transient service of the user manager (rlrun-daemon-HASH.service).</summary>
    ManagerService,
    /// <summary>A process of ours, detached in its own session.</summary>
    DetachedProcess,
}

/// <summary>
/// Starts the per-user daemon on demand. Where a user manager answers, the daemon becomes a
/// transient service of it, as `systemd-run --user` would start it: it then lives in the manager's
/// tree whoever asked (su, runuser, setpriv, a root service's child), so it survives them and its
/// containers get scopes. A process of ours, detached, is the fallback (no manager, or it refused).
/// </summary>
static class DaemonLauncher
{
    static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The transient service's name for a state root: one daemon per root.</summary>
    public static string UnitFor(string root)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(root));
        return $"rlrun-daemon-{Convert.ToHexStringLower(hash)[..16]}.service";
    }

    /// <summary>The warning owed when the daemon, a service of the manager, gets scopes for its
    /// containers while a run from here would not (null: the two agree).</summary>
    public static string? DifferingChoice(string cgroupManager, ScopeReach? callerReach, string unit)
    {
        if (cgroupManager != CgroupManagers.Auto || callerReach is null or { Reachable: true }) return null;
        return $"the rlrun daemon runs as {unit} of your systemd user manager, so the containers it supervises get transient scopes; " +
               $"a run without --restart from here gets none ({callerReach.Why})";
    }

    public static DaemonStart Start(CommandContext ctx)
    {
        bool defaultRoot = ctx.Root == Path.GetFullPath(Runtime.State.StateStore.DefaultRoot());
        if (defaultRoot && Runtime.Host.SupervisionSurvivalFacts.FindSocketUnit() is not null && StartSocketUnit(ctx)) return DaemonStart.SocketUnit;
        string exe = Supervisor.PathOf();
        if (FileCalls.access(exe, FileCalls.X_OK) != 0)
            throw new FileNotFoundException($"the rlrun daemon needs {exe} (installed beside rlrun by make install)");
        string log = DaemonPaths.Log();
        Directory.CreateDirectory(Path.GetDirectoryName(log)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (StartAsService(ctx, exe, log)) return DaemonStart.ManagerService;
        StartDetached(ctx, exe, log);
        return DaemonStart.DetachedProcess;
    }

    /// <summary>A transient service of the user manager; false when none answers or it refused.</summary>
    static bool StartAsService(CommandContext ctx, string exe, string log)
    {
        var manager = SystemdCgroupManager.TryConnect();
        if (manager is null) return false;
        string unit = UnitFor(ctx.Root);
        try
        {
            using var bus = SystemdBus.Open();
            // A unit of that name left failed (a daemon that died) would refuse the new one.
            TransientScope.ResetFailed(bus, unit);
            ctx.Log.Debug($"starting the rlrun daemon for {ctx.Root} as {unit} of {bus.Description}: {exe} (log {log})");
            try
            {
                TransientService.Start(bus, unit, [exe, .. DaemonClient.DaemonArgv(ctx)], Supervisor.ChildEnvironment(), log,
                    $"rlrun daemon for {ctx.Root}", JobTimeout, ctx.Log.Debug);
            }
            catch (SystemdException e) when (e.IsUnitExists)
            {
                // Another rlrun started it a moment ago: its socket comes up soon.
                ctx.Log.Debug($"{unit} exists already: waiting for its socket");
            }
        }
        catch (Exception e) when (e is SystemdException or IOException or ArgumentException or TimeoutException)
        {
            ctx.Log.Debug($"the user manager did not start {unit} ({e.Message}): starting the daemon as a process of ours");
            return false;
        }
        if (DifferingChoice(ctx.CgroupManager, manager.Reach, unit) is { } warning) ctx.WarnOnce(warning);
        return true;
    }

    static void StartDetached(CommandContext ctx, string exe, string log)
    {
        int devNull = SyscallException.Check(Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0), "open", "/dev/null");
        int logFd = SyscallException.Check(Libc.open(log, Libc.O_WRONLY | Libc.O_CREAT | 0x400 /* O_APPEND */ | Libc.O_CLOEXEC, 0x180), "open", log);
        try
        {
            ctx.Log.Debug($"starting the rlrun daemon for {ctx.Root}: {exe} (log {log})");
            int pid = SpawnCalls.Spawn(exe, [exe, .. DaemonClient.DaemonArgv(ctx)], Supervisor.ChildEnvironment(),
                [(devNull, 0), (logFd, 1), (logFd, 2)], newSession: true);
            ctx.Log.Debug($"rlrun daemon pid {pid}");
        }
        finally
        {
            Libc.close(devNull);
            Libc.close(logFd);
        }
    }

    /// <summary>systemctl --user start rlrun.socket; false when that did not work (no user manager).</summary>
    static bool StartSocketUnit(CommandContext ctx)
    {
        string? systemctl = Runtime.Host.ToolLookup.Find("systemctl");
        if (systemctl is null) return false;
        var r = Runtime.Host.BoundedCommand.Run(systemctl, [systemctl, "--user", "start", "rlrun.socket"], Supervisor.ChildEnvironment(), TimeSpan.FromSeconds(5));
        ctx.Log.Debug($"systemctl --user start rlrun.socket: exit {r.ExitCode} {r.Stderr.Trim()}");
        return r.ExitCode == 0 && !r.TimedOut;
    }
}
