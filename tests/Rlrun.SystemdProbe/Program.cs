using System.Diagnostics;
using Rlrun.Systemd;

// Usage (as the user whose manager to talk to; prints key=value lines, "ok=true" last):
//   probe reachable [auto|user|system]
//   probe scope UNIT [--unknown NAME]     full life cycle of a transient scope with Delegate=yes
//   probe stop-missing UNIT               StopUnit/ResetFailedUnit of a unit that does not exist
//   probe scope-foreign UNIT PID          a scope for a PID outside the manager's reach
//   probe service UNIT ARGV...            a transient service (TransientService) running ARGV
namespace Rlrun.SystemdProbe;

public static class Program
{
    private static void Out(string key, object? value) =>
        Console.WriteLine($"{key}={(value is bool b ? (b ? "true" : "false") : value?.ToString()?.Replace('\n', ' ') ?? "")}");

    public static int Main(string[] args)
    {
        Console.Out.Flush();
        try
        {
            var rc = args.Length == 0 ? Usage() : args[0] switch
            {
                "reachable" => Reachable(args.Length > 1 ? args[1] : "user"),
                "scope" when args.Length >= 2 => Scope(args[1], Option(args, "--unknown")),
                "stop-missing" when args.Length >= 2 => StopMissing(args[1]),
                "scope-foreign" when args.Length >= 3 => ScopeForeign(args[1], int.Parse(args[2])),
                "service" when args.Length >= 3 => Service(args[1], args[2..]),
                _ => Usage(),
            };
            if (rc == 0) Out("ok", true);
            return rc;
        }
        catch (Exception e)
        {
            Out("error", $"{e.GetType().Name}: {e.Message}");
            if (e is SystemdException se) Out("error_name", se.ErrorName);
            return 1;
        }
        finally
        {
            Console.Out.Flush();
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: probe reachable|scope UNIT [--unknown NAME]|stop-missing UNIT|scope-foreign UNIT PID");
        return 2;
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int Service(string unit, string[] argv)
    {
        using var bus = SystemdBus.Open(BusKind.User);
        var started = TransientService.Start(bus, unit, argv, ["RLRUN_PROBE=1", "BAD=a\nb"], null, "rlrun probe service", TimeSpan.FromSeconds(10),
            w => Out("warning", w));
        Out("job", started.JobPath);
        Out("active", bus.GetUnitPropertyString(unit, "ActiveState"));
        Out("main_pid", bus.GetUnitProperty(unit, "MainPID", "org.freedesktop.systemd1.Service").AsUInt64());
        Out("control_group", bus.GetUnitPropertyString(unit, "ControlGroup"));
        return 0;
    }

    private static int Reachable(string kind)
    {
        var k = kind switch { "system" => BusKind.System, "auto" => BusKind.Auto, _ => BusKind.User };
        var sw = Stopwatch.StartNew();
        var ok = SystemdBus.IsManagerReachable(k, TimeSpan.FromSeconds(3), out var reason);
        Out("reachable", ok);
        Out("reason", reason);
        Out("elapsed_ms", sw.ElapsedMilliseconds);
        if (ok)
        {
            using var bus = SystemdBus.Open(k);
            Out("bus", bus.Description);
            Out("unique", bus.UniqueName);
        }
        return 0;
    }

    private static int Scope(string unit, string? unknown)
    {
        using var child = Process.Start(new ProcessStartInfo("/bin/sleep", "300") { UseShellExecute = false })
            ?? throw new InvalidOperationException("cannot start /bin/sleep");
        Out("child_pid", child.Id);
        Out("child_cgroup_before", Cgroup2Of(child.Id));
        using var bus = SystemdBus.Open(BusKind.User);
        Out("bus", bus.Description);
        bool started = false, stopped = false;
        try
        {
            var props = new List<UnitProperty>
            {
                UnitProperties.Description($"rlrun systemd test scope {unit}"),
                UnitProperties.Delegate(true),
                UnitProperties.DefaultDependencies(false),
                UnitProperties.CollectMode(),
                UnitProperties.MemoryMax(512UL * 1024 * 1024),
                UnitProperties.TasksMax(64),
                UnitProperties.Pids(child.Id),
            };
            if (unknown is not null) props.Insert(3, UnitProperty.Bool(unknown, true));
            var sw = Stopwatch.StartNew();
            var result = TransientScope.Start(bus, unit, props, TimeSpan.FromSeconds(20), w => Out("warning", w));
            started = true;
            Out("start_ms", sw.ElapsedMilliseconds);
            Out("job", result.JobPath);
            Out("dropped", string.Join(",", result.Dropped.Select(p => p.Name)));
            Out("applied", string.Join(",", result.Applied.Select(p => p.Name)));

            var cg = Cgroup2Of(child.Id);
            Out("child_cgroup", cg);
            Out("prop.Delegate", bus.GetUnitPropertyBool(unit, "Delegate"));
            var controlGroup = bus.GetUnitPropertyString(unit, "ControlGroup");
            Out("prop.ControlGroup", controlGroup);
            Out("prop.MemoryMax", bus.GetUnitPropertyUInt64(unit, "MemoryMax"));
            Out("prop.TasksMax", bus.GetUnitPropertyUInt64(unit, "TasksMax"));
            Out("prop.ActiveState", bus.GetUnitPropertyString(unit, "ActiveState"));
            Out("prop.Description", bus.GetUnitPropertyString(unit, "Description"));

            var mount = Cgroup2Mount();
            var dir = mount + controlGroup;
            Out("scope_dir", dir);
            Out("scope_dir_uid", OwnerOf(dir));
            Out("scope_procs_uid", OwnerOf(Path.Combine(dir, "cgroup.procs")));
            var sub = Path.Combine(dir, "probe-sub");
            Directory.CreateDirectory(sub);
            Out("delegated_mkdir", Directory.Exists(sub) ? "ok" : "missing");
            Directory.Delete(sub);

            sw.Restart();
            var stop = TransientScope.Stop(bus, unit, TimeSpan.FromSeconds(20));
            stopped = true;
            Out("stop", stop);
            Out("stop_ms", sw.ElapsedMilliseconds);
            Out("child_exited", child.WaitForExit(10_000));
            // systemd removes the cgroup once the scope is dead; give it a moment.
            var gone = Stopwatch.StartNew();
            while (Directory.Exists(dir) && gone.ElapsedMilliseconds < 5000) Thread.Sleep(50);
            Out("scope_dir_exists_after_stop", Directory.Exists(dir));
            return 0;
        }
        finally
        {
            if (started && !stopped)
            {
                try { TransientScope.Stop(bus, unit, TimeSpan.FromSeconds(10)); }
                catch (Exception e) { Out("cleanup_error", e.Message); }
            }
            if (!child.HasExited) { child.Kill(); child.WaitForExit(5000); }
        }
    }

    private static int StopMissing(string unit)
    {
        using var bus = SystemdBus.Open(BusKind.User);
        Out("unit_path", bus.GetUnitPath(unit) ?? "");
        Out("stop", TransientScope.Stop(bus, unit, TimeSpan.FromSeconds(10)));
        Out("reset_failed", TransientScope.ResetFailed(bus, unit));
        return 0;
    }

    private static int ScopeForeign(string unit, int pid)
    {
        using var bus = SystemdBus.Open(BusKind.User);
        try
        {
            var r = TransientScope.Start(bus, unit, [UnitProperties.Delegate(), UnitProperties.Pids(pid), UnitProperties.CollectMode()],
                TimeSpan.FromSeconds(10), w => Out("warning", w));
            Out("started", true);
            TransientScope.Stop(bus, unit, TimeSpan.FromSeconds(10));
        }
        catch (SystemdJobFailedException e)
        {
            Out("started", false);
            Out("job_result", e.Result);
            Out("exception", e.Message);
        }
        catch (SystemdException e)
        {
            Out("started", false);
            Out("error_name", e.ErrorName);
            Out("exception", e.Message);
        }
        TransientScope.ResetFailed(bus, unit);
        return 0;
    }

    /// <summary>The cgroup v2 path of pid (the "0::" line of /proc/PID/cgroup).</summary>
    private static string Cgroup2Of(int pid) =>
        File.ReadLines($"/proc/{pid}/cgroup").FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal))?[3..] ?? "";

    /// <summary>Where cgroup2 is mounted (/sys/fs/cgroup/unified on hybrid hosts).</summary>
    private static string Cgroup2Mount()
    {
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var sep = line.IndexOf(" - ", StringComparison.Ordinal);
            if (sep < 0) continue;
            var after = line[(sep + 3)..].Split(' ');
            if (after[0] == "cgroup2") return line[..sep].Split(' ')[4];
        }
        throw new InvalidOperationException("no cgroup2 mount in /proc/self/mountinfo");
    }

    private static string OwnerOf(string path)
    {
        var psi = new ProcessStartInfo("/usr/bin/stat", ["-c", "%u", path]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var s = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return s;
    }
}
