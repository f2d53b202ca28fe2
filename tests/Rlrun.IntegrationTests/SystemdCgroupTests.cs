using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>
/// rlrun's systemd cgroup manager against the test user's real `systemd --user` (see
/// <see cref="SystemdUser"/>): the container's cgroup is a transient scope rlrun-ID.scope with
/// Delegate=yes. Every rlrun call runs as the test user with only the manager's environment;
/// the ones that create a container run as a transient service of the manager
/// (systemd-run --user --pipe --wait), since on the test machine a scope can take in only
/// processes already inside the manager's tree. The others (state, ps, pause, kill, delete) run
/// directly. Every test deletes its containers and stops any scope left behind.
/// On the test machine the manager's cgroup has no controllers (hybrid cgroups), so resource
/// limits must be refused; their enforcement is tested in the VM lane.
/// </summary>
[Collection(SystemdUserCollection.Name)]
public sealed class SystemdCgroupTests : IDisposable
{
    readonly Sandbox _s = new();
    readonly List<string> _units = [];
    static SystemdUser M => SystemdUser.Current;

    public void Dispose()
    {
        _s.Dispose();
        foreach (var unit in _units) M.StopIfLoaded(unit);
    }

    static void Ok(ProcResult r, string what) => Assert.True(r.ExitCode == 0 && !r.TimedOut, $"{what} failed: {r}");

    static string Unit(string id) => $"rlrun-{id}.scope";

    /// <summary>KEY=VALUE put in the process.env of one test's containers, to find their processes.</summary>
    static string CaseMarker(string id) => $"RLRUN_IT_CASE={id}";

    /// <summary>The cgroup2 mount point (/sys/fs/cgroup/unified on the test machine), from /proc/self/mountinfo.</summary>
    static readonly Lazy<string> CgroupMount = new(() =>
    {
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var f = line.Split(' ');
            int dash = Array.IndexOf(f, "-");
            if (dash > 4 && dash + 1 < f.Length && f[dash + 1] == "cgroup2") return f[4];
        }
        throw new InvalidOperationException("no cgroup2 mount in /proc/self/mountinfo");
    });

    /// <summary>The user manager's own cgroup dir, user@UID.service, under the cgroup2 mount.</summary>
    static string ManagerCgroupDir => Path.Join(CgroupMount.Value, "user.slice", $"user-{M.Uid}.slice", $"user@{M.Uid}.service");

    /// <summary>Every cgroup dir named rlrun-ID.scope inside the manager's tree.</summary>
    static List<string> ScopeDirs(string id) =>
        Directory.Exists(ManagerCgroupDir)
            ? Directory.EnumerateDirectories(ManagerCgroupDir, Unit(id), SearchOption.AllDirectories).ToList()
            : [];

    /// <summary>Live processes whose environment has the test's marker.</summary>
    static List<int> ProcessesWithMarker(string id)
    {
        var result = new List<int>();
        byte[] marker = System.Text.Encoding.UTF8.GetBytes(CaseMarker(id));
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || Host.ProcessGone(pid)) continue;
            try
            {
                var env = File.ReadAllBytes(Path.Join(dir, "environ"));
                if (env.AsSpan().IndexOf(marker) >= 0) result.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return result;
    }

    /// <summary>An init (PID 1: it ignores signals it has no handler for) with one child.</summary>
    const string InitWithChild = "sleep 1000 & wait";

    /// <summary>The live processes of the init's PID namespace, once there are COUNT of them.</summary>
    static List<int> WaitForProcesses(int initPid, int count)
    {
        string ns = Host.PidNamespaceOf(initPid) ?? throw new InvalidOperationException($"no pid namespace for {initPid}");
        List<int> pids = [];
        Poll(() => (pids = Host.ProcessesInPidNamespace(ns)).Count >= count, TimeSpan.FromSeconds(30));
        Assert.True(pids.Count >= count, $"expected {count} processes in the container, found {pids.Count}");
        return pids;
    }

    static bool Poll(Func<bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (done()) return true;
            if (DateTime.UtcNow >= deadline) return false;
            Thread.Sleep(50);
        }
    }

    // --- rlrun as the test user -------------------------------------------------------------

    /// <summary>rlrun --root STATEROOT ARGS as the user, directly (no new scope).</summary>
    ProcResult Rl(params string[] args) => Proc.Run(M.UserSpec(Host.Binary, ["--root", _s.StateRoot, .. args]));

    /// <summary>rlrun --root STATEROOT [--cgroup-manager systemd] ARGS as a transient service of the manager.</summary>
    ProcResult RlInManager(IEnumerable<string> args, bool systemdFlag = true, IEnumerable<KeyValuePair<string, string>>? env = null)
    {
        var argv = new List<string> { "--root", _s.StateRoot };
        if (systemdFlag) argv.AddRange(["--cgroup-manager", "systemd"]);
        argv.AddRange(args);
        return M.RunInManager(Host.Binary, argv, env);
    }

    JsonObject State(string id)
    {
        var r = Rl("state", id);
        Ok(r, $"state {id}");
        try { return JsonNode.Parse(r.Stdout)!.AsObject(); }
        catch (JsonException e) { throw new Xunit.Sdk.XunitException($"state {id} printed no JSON object ({e.Message}): {r}"); }
    }

    string? Status(string id)
    {
        var r = Rl("state", id);
        if (r.ExitCode != 0) return null;
        try { return JsonNode.Parse(r.Stdout)?["status"]?.GetValue<string>(); }
        catch (JsonException) { return null; }
    }

    void WaitForStatus(string id, string wanted, int seconds = 10)
    {
        string? last = null;
        bool ok = Poll(() => (last = Status(id)) == wanted, TimeSpan.FromSeconds(seconds));
        Assert.True(ok, $"container {id}: status \"{wanted}\" expected within {seconds}s, last seen \"{last ?? "(state failed)"}\"");
    }

    /// <summary>A bundle running `sh -c SCRIPT`, with the test's marker in its environment.</summary>
    (Bundle Bundle, string Id) NewContainer(string tag, string script, Action<JsonObject>? edit = null)
    {
        string id = _s.NewId(tag);
        _units.Add(Unit(id));
        var bundle = _s.NewBundle(["/bin/busybox", "sh", "-c", script], c =>
        {
            c["process"]!["env"]!.AsArray().Add(CaseMarker(id));
            edit?.Invoke(c);
        });
        return (bundle, id);
    }

    /// <summary>`run -d` inside the manager's tree, waited until running.</summary>
    (string Id, int Pid) RunDetached(string tag, string script = Scripts.TrapLoop, bool systemdFlag = true, Action<JsonObject>? edit = null)
    {
        var (bundle, id) = NewContainer(tag, script, edit);
        Ok(RlInManager(["run", "-d", "--bundle", bundle.Path, id], systemdFlag), "run -d");
        WaitForStatus(id, "running");
        return (id, State(id)["pid"]!.GetValue<int>());
    }

    /// <summary>The container left nothing: no state dir, no scope, no scope cgroup dir, no process.</summary>
    void AssertNothingLeft(string id)
    {
        Assert.False(Directory.Exists(_s.StateDir(id)), $"state dir {_s.StateDir(id)} is left behind");
        Assert.True(M.UnitGone(Unit(id), out var seen), $"{Unit(id)} is left behind: {seen}");
        Assert.True(Poll(() => ScopeDirs(id).Count == 0, TimeSpan.FromSeconds(30)), $"cgroup dirs left behind: {string.Join(", ", ScopeDirs(id))}");
        Assert.True(Poll(() => ProcessesWithMarker(id).Count == 0, TimeSpan.FromSeconds(30)),
            $"container processes left behind: {string.Join(", ", ProcessesWithMarker(id))}");
    }

    // --- the tests --------------------------------------------------------------------------

    [SystemdUserFact]
    public void CgroupManagerSystemd_puts_the_container_in_a_delegated_scope_of_the_user_manager()
    {
        var (id, pid) = RunDetached("scope");
        string unit = Unit(id);

        string line0 = File.ReadLines($"/proc/{pid}/cgroup").Single(l => l.StartsWith("0::"));
        string cgroup = line0[3..];
        Assert.EndsWith("/" + unit, cgroup);
        Assert.Contains($"/user@{M.Uid}.service/", cgroup);

        var props = M.Show(unit, "Delegate", "ActiveState");
        Assert.Equal("yes", props.GetValueOrDefault("Delegate"));
        Assert.Equal("active", props.GetValueOrDefault("ActiveState"));

        string dir = Path.Join(CgroupMount.Value, cgroup);
        Assert.True(Directory.Exists(dir), $"{dir} does not exist");
        Assert.Equal(M.Uid.ToString(), Proc.Run("stat", ["-c", "%u", dir]).EnsureSuccess("stat").Stdout.Trim());

        var state = State(id);
        var cg = state["cgroup"];
        Assert.True(cg is not null, $"state has no cgroup: {state.ToJsonString()}");
        Assert.Equal("systemd", cg!["manager"]?.GetValue<string>());
        Assert.Equal(unit, cg["unit"]?.GetValue<string>());
        Assert.Equal(dir, cg["path"]?.GetValue<string>());
    }

    [SystemdUserFact]
    public void AutoMode_picks_systemd_when_the_user_manager_answers()
    {
        var (id, _) = RunDetached("auto", systemdFlag: false);
        var state = State(id);
        Assert.True(state["cgroup"] is not null, $"state has no cgroup: {state.ToJsonString()}");
        Assert.Equal("systemd", state["cgroup"]!["manager"]?.GetValue<string>());
        Assert.Equal(Unit(id), state["cgroup"]!["unit"]?.GetValue<string>());
        Assert.Equal("active", M.Show(Unit(id), "ActiveState").GetValueOrDefault("ActiveState"));
    }

    [SystemdUserFact]
    public void Pause_freezes_the_scope_and_resume_thaws_it()
    {
        var (id, _) = RunDetached("pause");
        string dir = State(id)["cgroup"]!["path"]!.GetValue<string>();
        string Events() => File.ReadAllText(Path.Join(dir, "cgroup.events"));

        Ok(Rl("pause", id), "pause");
        Assert.Equal("paused", Status(id));
        Assert.True(Poll(() => Events().Contains("frozen 1"), TimeSpan.FromSeconds(30)), $"cgroup.events after pause: {Events()}");

        Ok(Rl("resume", id), "resume");
        Assert.Equal("running", Status(id));
        Assert.True(Poll(() => Events().Contains("frozen 0"), TimeSpan.FromSeconds(30)), $"cgroup.events after resume: {Events()}");
    }

    [SystemdUserFact]
    public void KillAll_kills_every_process_of_the_scope()
    {
        var (id, pid) = RunDetached("killall", InitWithChild);
        var pids = WaitForProcesses(pid, 2);

        var ps = Rl("ps", "--format", "json", id);
        Ok(ps, "ps --format json");
        var listed = JsonNode.Parse(ps.Stdout)!.AsArray().Select(n => n!.GetValue<int>()).Order().ToList();
        Assert.Equal(pids.Order().ToList(), listed);

        Ok(Rl("kill", "--all", id, "KILL"), "kill --all KILL");
        Assert.True(Poll(() => pids.All(Host.ProcessGone), TimeSpan.FromSeconds(30)),
            $"processes outlived kill --all: {string.Join(", ", pids.Where(p => !Host.ProcessGone(p)))}");
        WaitForStatus(id, "stopped");
    }

    [SystemdUserFact]
    public void DeleteForce_stops_the_scope_and_removes_its_cgroup()
    {
        var (id, pid) = RunDetached("delete");
        string dir = State(id)["cgroup"]!["path"]!.GetValue<string>();
        Assert.True(Directory.Exists(dir), $"{dir} does not exist");

        Ok(Rl("delete", "--force", id), "delete --force");
        Assert.True(M.UnitGone(Unit(id), out var seen), $"{Unit(id)} after delete --force: {seen}");
        Assert.False(Directory.Exists(dir), $"{dir} is left after delete --force");
        Assert.True(Poll(() => Host.ProcessGone(pid), TimeSpan.FromSeconds(30)), $"init {pid} outlived delete --force");
        AssertNothingLeft(id);
    }

    [SystemdUserFact]
    public void After_the_init_is_killed_from_outside_the_scope_goes_and_delete_cleans_up()
    {
        var (id, pid) = RunDetached("sigkill", InitWithChild);
        WaitForProcesses(pid, 2);
        string dir = State(id)["cgroup"]!["path"]!.GetValue<string>();

        Host.Signal(pid, Host.SIGKILL);
        string seen = "";
        Assert.True(Poll(() => M.UnitGone(Unit(id), out seen), TimeSpan.FromSeconds(10)), $"{Unit(id)} after SIGKILL of the init: {seen}");
        WaitForStatus(id, "stopped");

        Ok(Rl("delete", id), "delete");
        Assert.False(Directory.Exists(dir), $"{dir} is left after delete");
        AssertNothingLeft(id);
    }

    [SystemdUserFact]
    public void Resources_without_controllers_in_the_user_manager_fail_clearly_and_leave_nothing()
    {
        // The host fact the test is about: the manager's cgroup has neither controller.
        var controllers = File.ReadAllText(Path.Join(ManagerCgroupDir, "cgroup.controllers")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(!controllers.Contains("pids") && !controllers.Contains("memory"),
            $"{ManagerCgroupDir} has controllers ({string.Join(' ', controllers)}): this test is about the test machine, where it has none");

        var (bundle, id) = NewContainer("res", Scripts.TrapLoop, c =>
        {
            var linux = c["linux"]!.AsObject();
            linux["resources"] = new JsonObject
            {
                ["pids"] = new JsonObject { ["limit"] = 50 },
                ["memory"] = new JsonObject { ["limit"] = 64L * 1024 * 1024 },
            };
        });
        var r = RlInManager(["run", "-d", "--bundle", bundle.Path, id]);
        Assert.False(r.TimedOut, r.ToString());
        Assert.True(r.ExitCode != 0, $"run -d with pids and memory limits succeeded where no controller is delegated: {r}");
        Assert.Matches(new Regex(@"\b(pids|memory)\b controller"), r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr); // a message, not a stack trace
        Assert.Null(Status(id));
        AssertNothingLeft(id);
    }

    [SystemdUserFact]
    public void SystemdPropertyAnnotation_is_set_on_the_scope()
    {
        var (id, _) = RunDetached("annot", edit: c =>
        {
            var annotations = c["annotations"] as JsonObject ?? new JsonObject();
            annotations["org.systemd.property.TimeoutStopUSec"] = "uint64 5000000";
            c["annotations"] = annotations;
        });
        var props = M.Show(Unit(id), "TimeoutStopUSec", "Delegate", "ActiveState");
        Assert.Equal("5s", props.GetValueOrDefault("TimeoutStopUSec"));
        Assert.Equal("yes", props.GetValueOrDefault("Delegate"));
        Assert.Equal("active", props.GetValueOrDefault("ActiveState"));
    }

    [SystemdUserFact]
    public void CgroupManagerSystemd_without_a_manager_on_the_bus_fails_clearly_and_leaves_nothing()
    {
        // A runtime dir with no bus and no systemd/private in it, and a bus address to a missing socket.
        string xdg = Path.Join(_s.Dir, "xdg-nobus");
        Directory.CreateDirectory(xdg);
        File.SetUnixFileMode(xdg, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Host.ChownToUser(xdg);
        string missing = Path.Join(xdg, "bus");
        Assert.False(File.Exists(missing));

        var (bundle, id) = NewContainer("nobus", Scripts.TrapLoop);
        var r = RlInManager(["run", "-d", "--bundle", bundle.Path, id],
            env: [new("XDG_RUNTIME_DIR", xdg), new("DBUS_SESSION_BUS_ADDRESS", $"unix:path={missing}")]);
        Assert.False(r.TimedOut, r.ToString());
        Assert.True(r.ExitCode != 0, $"--cgroup-manager systemd with no manager on the bus succeeded: {r}");
        Assert.Matches(new Regex(@"systemd.*(manager|bus)", RegexOptions.IgnoreCase), r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.Null(Status(id));
        AssertNothingLeft(id);
    }
}
