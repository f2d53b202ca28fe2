using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>OCI hooks: every phase runs, in the runtime spec's order, with the state JSON on stdin;
/// a failing or slow createRuntime hook fails create and leaves nothing; poststart and poststop
/// failures are warnings.</summary>
public sealed class HookTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    static void Ok(ProcResult r) => Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());

    static readonly string[] Phases = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"];

    /// <summary>hook.sh PHASE DIR [DELAY]: after DELAY seconds, saves its stdin as DIR/N-PHASE.json,
    /// N counting the markers already there (the hooks run one after another).</summary>
    const string HookScript = "#!/bin/sh\n[ -n \"$3\" ] && sleep \"$3\"\nn=$(ls \"$2\" | wc -l)\ncat >\"$2/.tmp-$1\"\nmv \"$2/.tmp-$1\" \"$2/$n-$1.json\"\n";

    /// <summary>The markers' directory (writable by the container's root too), the script on the host,
    /// and the same script in the rootfs for startContainer, whose path resolves in the container.</summary>
    (string Out, string HostScript) HookFiles()
    {
        string dir = Path.Join(_s.Dir, "hooks");
        string outDir = Path.Join(dir, "out");
        Directory.CreateDirectory(outDir);
        File.SetUnixFileMode(dir, (UnixFileMode)0x1ed);
        File.SetUnixFileMode(outDir, (UnixFileMode)0x1ff);
        string script = Path.Join(dir, "hook.sh");
        File.WriteAllText(script, HookScript);
        File.SetUnixFileMode(script, (UnixFileMode)0x1ed);
        return (outDir, script);
    }

    static JsonObject Hook(string path, params string[] args) => new()
    {
        ["path"] = path,
        ["args"] = new JsonArray(args.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray()),
        ["env"] = new JsonArray("PATH=/usr/sbin:/usr/bin:/sbin:/bin"),
    };

    /// <summary>A bundle whose six phases each run hook.sh (startContainer with DELAY), markers in OUT
    /// (bind-mounted at /hooks-out for startContainer).</summary>
    Bundle HookedBundle(string[] args, string outDir, string hostScript, string startContainerDelay = "")
    {
        var b = _s.NewBundle(args, c =>
        {
            var hooks = new JsonObject();
            foreach (var phase in Phases)
            {
                var hook = phase == "startContainer"
                    ? Hook("/hook.sh", "hook.sh", phase, "/hooks-out", startContainerDelay)
                    : Hook(hostScript, "hook.sh", phase, outDir);
                hooks[phase] = new JsonArray(hook);
            }
            c["hooks"] = hooks;
            c["mounts"]!.AsArray().Add(new JsonObject
            {
                ["destination"] = "/hooks-out", ["type"] = "bind", ["source"] = outDir,
                ["options"] = new JsonArray("rbind", "rw"),
            });
        });
        string inRootfs = Path.Join(b.Rootfs, "hook.sh");
        File.WriteAllText(inRootfs, HookScript);
        File.SetUnixFileMode(inRootfs, (UnixFileMode)0x1ed);
        return b;
    }

    /// <summary>The markers written so far: phase -> (position, state JSON).</summary>
    static Dictionary<string, (int Index, JsonObject State)> Markers(string outDir)
    {
        var result = new Dictionary<string, (int, JsonObject)>();
        foreach (var file in Directory.EnumerateFiles(outDir, "*.json"))
        {
            var name = Path.GetFileNameWithoutExtension(file).Split('-', 2);
            result[name[1]] = (int.Parse(name[0]), JsonNode.Parse(File.ReadAllText(file))!.AsObject());
        }
        return result;
    }

    /// <summary>Waits (bounded) until the markers of PHASES are all there.</summary>
    static void WaitForMarkers(string outDir, params string[] phases)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!phases.All(Markers(outDir).ContainsKey) && DateTime.UtcNow < deadline) Thread.Sleep(20);
    }

    static string Describe(Dictionary<string, (int Index, JsonObject State)> m) =>
        string.Join(", ", m.OrderBy(kv => kv.Value.Index).Select(kv => $"{kv.Value.Index}:{kv.Key}"));

    [UserFact]
    public void All_six_hooks_run_in_order_with_the_state_on_stdin()
    {
        var (outDir, script) = HookFiles();
        // A process that stays up until killed: one that exits at once can make `start` fail (StartTests).
        var b = HookedBundle(["/bin/busybox", "sh", "-c", Scripts.TrapLoop], outDir, script);
        string id = _s.NewId("hooks");

        Ok(_s.Rl("create", "--bundle", b.Path, id));
        int pid = _s.State(id)["pid"]!.GetValue<int>();
        var afterCreate = Markers(outDir);
        Assert.Equal(["createContainer", "createRuntime", "prestart"], afterCreate.Keys.Order());

        Ok(_s.Rl("start", id));
        WaitForMarkers(outDir, "startContainer", "poststart");
        Ok(_s.Rl("kill", id, "KILL"));
        _s.WaitForStatus(id, "stopped");
        Ok(_s.Rl("delete", id));

        var m = Markers(outDir);
        Assert.True(Phases.All(m.ContainsKey), $"hooks that ran: {Describe(m)}");
        int At(string phase) => m[phase].Index;
        Assert.True(At("prestart") < At("createRuntime") && At("createRuntime") < At("createContainer"), Describe(m));
        Assert.True(At("createContainer") < At("startContainer") && At("createContainer") < At("poststart"), Describe(m));
        Assert.True(At("poststop") == Phases.Length - 1, Describe(m));

        foreach (var phase in Phases)
        {
            var state = m[phase].State;
            Assert.Equal(id, state["id"]?.GetValue<string>());
            Assert.Equal(b.Path, state["bundle"]?.GetValue<string>());
            Assert.False(string.IsNullOrEmpty(state["ociVersion"]?.GetValue<string>()), $"{phase}: no ociVersion in {state.ToJsonString()}");
            string? status = state["status"]?.GetValue<string>();
            Assert.True(status is "creating" or "created" or "running" or "stopped", $"{phase}: status {status} in {state.ToJsonString()}");
            if (phase != "poststop") Assert.Equal(pid, state["pid"]?.GetValue<int>());
        }
        Assert.Equal("creating", m["createRuntime"].State["status"]!.GetValue<string>());
        Assert.Equal("creating", m["createContainer"].State["status"]!.GetValue<string>());
        Assert.Equal("running", m["poststart"].State["status"]!.GetValue<string>());
        Assert.Equal("stopped", m["poststop"].State["status"]!.GetValue<string>());
    }

    /// <summary>poststart "MUST be called after the user-specified process is executed", and
    /// startContainer hooks run before that execve: so a slow startContainer hook still comes
    /// before poststart. (runc's start reads the exec fifo until EOF, which comes at the
    /// init's execve, then runs poststart.)</summary>
    [UserTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Poststart_runs_after_a_slow_startContainer_hook(bool viaRun)
    {
        var (outDir, script) = HookFiles();
        string id = _s.NewId("hookorder");
        if (viaRun) Ok(_s.Rl("run", "--bundle", HookedBundle(["true"], outDir, script, startContainerDelay: "0.5").Path, id));
        else
        {
            var b = HookedBundle(["/bin/busybox", "sh", "-c", Scripts.TrapLoop], outDir, script, startContainerDelay: "0.5");
            Ok(_s.Rl("create", "--bundle", b.Path, id));
            Ok(_s.Rl("start", id));
            WaitForMarkers(outDir, "startContainer", "poststart");
        }
        var m = Markers(outDir);
        Assert.True(new[] { "startContainer", "poststart" }.All(m.ContainsKey), $"hooks that ran: {Describe(m)}");
        Assert.True(m["startContainer"].Index < m["poststart"].Index,
            $"poststart ran before the startContainer hook finished (so before the process was executed): {Describe(m)}");
    }

    [UserFact]
    public void Failing_createRuntime_hook_fails_create_and_leaves_nothing()
    {
        string seen = Path.Join(_s.Dir, "seen-state.json");
        var b = _s.NewBundle(["true"], c => c["hooks"] = new JsonObject
        {
            ["createRuntime"] = new JsonArray(Hook("/bin/sh", "sh", "-c", $"cat >{seen}; echo hook-says-no >&2; exit 4")),
        });
        string id = _s.NewId("hookfail");
        var r = _s.Rl("create", "--bundle", b.Path, id);
        Assert.False(r.TimedOut, r.ToString());
        Assert.True(r.ExitCode != 0, $"create with a failing createRuntime hook succeeded: {r}");
        Assert.Contains("createRuntime", r.Stderr);
        Assert.Contains("/bin/sh", r.Stderr);
        Assert.Contains("hook-says-no", r.Stderr);
        AssertNothingLeft(id, seen, r);
    }

    [UserFact]
    public void CreateRuntime_hook_past_its_timeout_fails_create()
    {
        string seen = Path.Join(_s.Dir, "seen-state.json");
        var b = _s.NewBundle(["true"], c =>
        {
            var hook = Hook("/bin/sh", "sh", "-c", $"cat >{seen}; exec sleep 37");
            hook["timeout"] = 1;
            c["hooks"] = new JsonObject { ["createRuntime"] = new JsonArray(hook) };
        });
        string id = _s.NewId("hookslow");
        var started = DateTime.UtcNow;
        var r = _s.Rl(["create", "--bundle", b.Path, id], timeout: TimeSpan.FromSeconds(60));
        var took = DateTime.UtcNow - started;
        Assert.False(r.TimedOut, r.ToString());
        Assert.True(r.ExitCode != 0, $"create with a hook past its timeout succeeded: {r}");
        // Well below the hook's 37 s (a loaded machine takes seconds for a create alone).
        Assert.True(took < TimeSpan.FromSeconds(30), $"create took {took.TotalSeconds:0.0}s with a 1s hook timeout");
        Assert.Contains("createRuntime", r.Stderr);
        Assert.Contains("timed out", r.Stderr);
        AssertNothingLeft(id, seen, r);
        // The hook itself was killed.
        var sleepers = Host.ProcessesOfUser().Where(p =>
        {
            try { return File.ReadAllText($"/proc/{p}/cmdline").Replace('\0', ' ').Trim() == "sleep 37"; }
            catch (IOException) { return false; }
        }).ToList();
        Assert.True(sleepers.Count == 0, $"the timed-out hook is still running: {string.Join(", ", sleepers)}");
    }

    /// <summary>No state dir, and the init the hook saw (its pid in the state JSON) is gone.</summary>
    void AssertNothingLeft(string id, string seenState, ProcResult r)
    {
        Assert.False(Directory.Exists(_s.StateDir(id)), $"{_s.StateDir(id)} left behind: {r}");
        Assert.True(_s.Rl("state", id).ExitCode != 0, "state of the failed container succeeds");
        Assert.True(File.Exists(seenState), $"the hook did not run: {r}");
        var state = JsonNode.Parse(File.ReadAllText(seenState))!.AsObject();
        Assert.Equal(id, state["id"]!.GetValue<string>());
        int pid = state["pid"]!.GetValue<int>();
        var deadline = DateTime.UtcNow.AddSeconds(3);
        while (!Host.ProcessGone(pid) && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.True(Host.ProcessGone(pid), $"the container init {pid} outlived the failed create");
    }

    [UserFact]
    public void Poststart_and_poststop_failures_are_warnings()
    {
        var b = _s.NewBundle(["sh", "-c", "echo ran"], c => c["hooks"] = new JsonObject
        {
            ["poststart"] = new JsonArray(Hook("/bin/false")),
            ["poststop"] = new JsonArray(Hook("/bin/sh", "sh", "-c", "echo poststop-fails >&2; exit 2")),
        });
        var run = _s.Rl("run", "--bundle", b.Path, _s.NewId("hookwarn"));
        Ok(run);
        Assert.Equal("ran", run.Stdout.Trim());
        Assert.Contains("poststart", run.Stderr);
        Assert.Contains("poststop", run.Stderr);
        Assert.Contains("poststop-fails", run.Stderr);

        // The same through create, start and delete: each exits 0 (the process stays up until killed).
        var looping = _s.NewBundle(["/bin/busybox", "sh", "-c", Scripts.TrapLoop], c => c["hooks"] = b.ReadConfig()["hooks"]!.DeepClone());
        string id = _s.NewId("hookwarn2");
        Ok(_s.Rl("create", "--bundle", looping.Path, id));
        var start = _s.Rl("start", id);
        Ok(start);
        Assert.Contains("poststart", start.Stderr);
        Ok(_s.Rl("kill", id, "KILL"));
        _s.WaitForStatus(id, "stopped");
        var delete = _s.Rl("delete", id);
        Ok(delete);
        Assert.Contains("poststop", delete.Stderr);
        Assert.False(Directory.Exists(_s.StateDir(id)));
    }
}
