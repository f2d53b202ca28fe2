using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>Root, and Debian's containerd with ctr and the runc shim.</summary>
public sealed class ContainerdFactAttribute : FactAttribute
{
    public ContainerdFactAttribute()
    {
        if (!Host.IsRoot) Skip = "requires root: the test starts its own containerd as root";
        else Skip = PrivateContainerd.Missing;
    }
}

/// <summary>One private containerd for the class (starting it and importing the image takes ~2 s).</summary>
public sealed class RootContainerd : IDisposable
{
    readonly Lazy<PrivateContainerd> _c = new(() => new PrivateContainerd());
    public PrivateContainerd C => _c.Value;
    public void Dispose() { if (_c.IsValueCreated) _c.Value.Dispose(); }
}

/// <summary>`ctr run --runc-binary rlrun` as root: containerd's io.containerd.runc.v2 shim drives
/// rlrun with runc's command line (create --bundle --pid-file [--console-socket], start, exec
/// --process --detach --pid-file [--console-socket], ps --format json, pause, resume, kill, delete
/// [--force], update --resources -, events), with containerd's default spec (cpu.shares 1024, device
/// rules: see DefaultResourcesTests). What the shim makes is seen with `rlrun --root RUNC-ROOT`.</summary>
public sealed class ContainerdShimTests(RootContainerd fixture) : IClassFixture<RootContainerd>
{
    internal const string Loop = "trap 'exit 0' TERM; while :; do sleep 0.1; done";

    static string NewId(string tag) => $"shim-{tag}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>ctr run FLAGS --runc-binary RLRUN --runc-root RUNC-ROOT IMAGE ID COMMAND.</summary>
    internal static List<string> RunArgs(PrivateContainerd c, string id, string[] flags, params string[] command) =>
        ["run", .. flags, "--runc-binary", Host.Binary, "--runc-root", c.RuncRootBase, PrivateContainerd.Image, id, .. command];

    internal static void RunDetached(PrivateContainerd c, string id)
    {
        var r = c.Ctr(RunArgs(c, id, ["--detach"], "sh", "-c", Loop));
        Assert.True(r.ExitCode == 0, r.ToString());
        WaitForTask(c, id, "RUNNING");
    }

    internal static string TaskStatus(PrivateContainerd c, string id)
    {
        var r = c.Ctr(["tasks", "ls"]);
        return r.Stdout.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(f => f.Length >= 3 && f[0] == id)?[2] ?? "(none)";
    }

    internal static void WaitForTask(PrivateContainerd c, string id, string status)
    {
        var until = DateTime.UtcNow.AddSeconds(15);
        string last;
        while ((last = TaskStatus(c, id)) != status)
        {
            if (DateTime.UtcNow > until) Assert.Fail($"task {id}: {status} expected, last {last}");
            Thread.Sleep(100);
        }
    }

    /// <summary>ctr tasks kill, wait for STOPPED, tasks delete, containers rm: gone from rlrun list.</summary>
    internal static void KillAndDelete(PrivateContainerd c, string id)
    {
        c.Ctr(["tasks", "kill", id]).EnsureSuccess("ctr tasks kill");
        WaitForTask(c, id, "STOPPED");
        var d = c.Ctr(["tasks", "delete", id]);
        Assert.True(d.ExitCode == 0, d.ToString());
        c.Ctr(["containers", "rm", id]).EnsureSuccess("ctr containers rm");
        var list = c.Rlrun(["list", "--quiet"]);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.DoesNotContain(id, list.Stdout.Split('\n'));
        Assert.False(Directory.Exists(Path.Join(c.RuncRoot, id)), "the shim's delete left rlrun's state dir");
    }

    JsonObject State(string id)
    {
        var r = fixture.C.Rlrun(["state", id]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonNode.Parse(r.Stdout)!.AsObject();
    }

    [ContainerdFact]
    public void Run_prints_the_output_and_returns_the_exit_code()
    {
        var c = fixture.C;
        string id = NewId("run");
        var r = c.Ctr(RunArgs(c, id, ["--rm"], "sh", "-c", "echo hello-from-ctr; id -u; exit 7"));
        Assert.Equal(7, r.ExitCode);
        Assert.Equal(["hello-from-ctr", "0"], r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain(id, c.Rlrun(["list", "--quiet"]).Stdout);
    }

    [ContainerdFact]
    public void A_command_that_does_not_exist_is_said_through_the_shim()
    {
        var c = fixture.C;
        string id = NewId("nope");
        var r = c.Ctr(RunArgs(c, id, [], "/nope"));
        c.Ctr(["containers", "rm", id]);
        Assert.NotEqual(0, r.ExitCode);
        // The shim reads the error from rlrun's --log (JSON) and containerd passes it on.
        Assert.Contains("/nope", r.Stderr);
        Assert.Contains("no such file or directory", r.Stderr);
        Assert.DoesNotContain(id, c.Rlrun(["list", "--quiet"]).Stdout);
    }

    [ContainerdFact]
    public void Exec_gives_output_and_exit_code_with_and_without_a_terminal_and_kill_delete_leave_nothing()
    {
        var c = fixture.C;
        string id = NewId("exec");
        RunDetached(c, id);
        var state = State(id);
        Assert.Equal("running", state["status"]!.GetValue<string>());
        string? cgroup = state["cgroup"]?["path"]?.GetValue<string>();

        var e = c.Ctr(["tasks", "exec", "--exec-id", "e1", id, "sh", "-c", "echo exec-out; exit 3"]);
        Assert.Equal(3, e.ExitCode);
        Assert.Equal("exec-out", e.Stdout.Trim());

        // ctr exec -t wants a terminal of its own: script(1) gives it one.
        var t = Proc.Run("/usr/bin/script", ["-qec", $"{PrivateContainerd.CtrBinary} --address {c.Socket} --namespace {PrivateContainerd.Namespace} tasks exec -t --exec-id e2 {id} sh -c 'tty; echo tty-exec; exit 4'", "/dev/null"],
            timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(4, t.ExitCode);
        Assert.Contains("/dev/pts/", t.Stdout);
        Assert.Contains("tty-exec", t.Stdout);

        var ps = c.Ctr(["tasks", "ps", id]);
        Assert.True(ps.ExitCode == 0, ps.ToString());
        Assert.Contains(state["pid"]!.GetValue<int>().ToString(), ps.Stdout);

        KillAndDelete(c, id);
        if (cgroup is not null) Assert.False(Directory.Exists(cgroup), $"the container's cgroup {cgroup} outlived delete");
    }

    [ContainerdFact]
    public void Pause_and_resume_freeze_and_thaw_the_container()
    {
        var c = fixture.C;
        string id = NewId("pause");
        RunDetached(c, id);
        c.Ctr(["tasks", "pause", id]).EnsureSuccess("ctr tasks pause");
        Assert.Equal("PAUSED", TaskStatus(c, id));
        Assert.Equal("paused", State(id)["status"]!.GetValue<string>());
        string cgroup = State(id)["cgroup"]!["path"]!.GetValue<string>();
        Assert.Contains("frozen 1", File.ReadAllText(Path.Join(cgroup, "cgroup.events")));
        c.Ctr(["tasks", "resume", id]).EnsureSuccess("ctr tasks resume");
        Assert.Equal("RUNNING", TaskStatus(c, id));
        Assert.Equal("running", State(id)["status"]!.GetValue<string>());
        KillAndDelete(c, id);
    }

    /// <summary>ctr 1.6 has no update command: rlrun is called the way the shim's go-runc calls it,
    /// the resources as JSON on stdin (`update --resources - ID`; newer go-runc: `--resources=-`).</summary>
    [ContainerdFact]
    public void Update_reads_the_resources_from_stdin_and_events_reports_stats()
    {
        var c = fixture.C;
        string id = NewId("update");
        RunDetached(c, id);
        // The kernel's defaults need no controller (CRI's UpdateContainerResources sends them).
        var u = c.Rlrun(["update", "--resources", "-", id], stdin: """{"cpu":{"shares":1024},"memory":{"limit":-1}}""");
        Assert.True(u.ExitCode == 0, u.ToString());
        u = c.Rlrun(["update", "--resources=-", id], stdin: """{"cpu":{"shares":1024}}""");
        Assert.True(u.ExitCode == 0, u.ToString());

        string cgroup = State(id)["cgroup"]!["path"]!.GetValue<string>();
        bool pids = File.ReadAllText(Path.Join(Path.GetDirectoryName(cgroup)!, "cgroup.controllers")).Split(' ', '\n').Contains("pids");
        u = c.Rlrun(["update", "--resources", "-", id], stdin: """{"pids":{"limit":50}}""");
        if (pids)
        {
            Assert.True(u.ExitCode == 0, u.ToString());
            Assert.Equal("50", File.ReadAllText(Path.Join(cgroup, "pids.max")).Trim());
        }
        else
        {
            // A real limit without the controller (this hybrid host): the one clear error.
            Assert.NotEqual(0, u.ExitCode);
            Assert.Contains("the pids controller is not available", u.Stderr);
        }

        var ev = c.Rlrun(["events", "--stats", id]);
        Assert.True(ev.ExitCode == 0, ev.ToString());
        var stats = JsonNode.Parse(ev.Stdout)!;
        Assert.Equal("stats", stats["type"]!.GetValue<string>());
        Assert.Equal(id, stats["id"]!.GetValue<string>());
        Assert.True(stats["data"]!["cpu"]!["usage"]!["total"]!.GetValue<ulong>() > 0, ev.Stdout);
        KillAndDelete(c, id);
    }
}

/// <summary>Root switching to the test user (with /etc/subuid and /etc/subgid ranges), Debian's
/// containerd and rootlesskit.</summary>
public sealed class RootlessContainerdFactAttribute : FactAttribute
{
    public RootlessContainerdFactAttribute()
    {
        if (!Host.SwitchesUser) Skip = "requires root switching to RLRUN_TEST_USER: containerd runs as the test user inside RootlessKit";
        else if (Host.SubUid is null || Host.SubGid is null) Skip = $"requires a range for {Host.UserName} in /etc/subuid and /etc/subgid (scripts/ensure-user.sh adds one)";
        else if (PrivateContainerd.Missing is { } why) Skip = why;
        else if (PrivateContainerd.RootlessKit is null) Skip = "requires Debian's rootlesskit package: /usr/bin/rootlesskit is missing";
    }
}

public sealed class RootlessContainerd : IDisposable
{
    readonly Lazy<PrivateContainerd> _c = new(() => new PrivateContainerd(rootless: true));
    public PrivateContainerd C => _c.Value;
    public void Dispose() { if (_c.IsValueCreated) _c.Value.Dispose(); }
}

/// <summary>A rootless node's containerd: scripts/containerd-rootless.sh runs it as the test user
/// inside RootlessKit; the shim runs rlrun there with euid 0 in RootlessKit's user namespace
/// (the user as 0, its subordinate range above). No cgroup is delegated to it on this host, so
/// rlrun runs the container without one (containerd's default weight asks for no limit).</summary>
public sealed class RootlessContainerdShimTests(RootlessContainerd fixture) : IClassFixture<RootlessContainerd>
{
    static string NewId(string tag) => $"shim-rl-{tag}-{Guid.NewGuid().ToString("N")[..8]}";

    [RootlessContainerdFact]
    public void Run_and_exec_work_with_rlrun_as_root_of_rootlesskits_user_namespace()
    {
        var c = fixture.C;
        string id = NewId("run");
        var r = c.Ctr(ContainerdShimTests.RunArgs(c, id, ["--rm"], "sh", "-c", "echo hello-rootless; id -u; cat /proc/self/uid_map; exit 5"));
        Assert.True(r.ExitCode == 5, r.ToString());
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("hello-rootless", lines[0]);
        Assert.Equal("0", lines[1]);
        // RootlessKit's mapping: container 0 is the test user, 1.. its subordinate range.
        Assert.Equal(["0", Host.Uid.ToString(), "1"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["1", Host.SubUid!.Value.Start.ToString()], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..2]);
        // rlrun's warnings go to the shim's --log file, not into the container's stderr.
        Assert.DoesNotContain("rlrun", r.Stderr);

        string id2 = NewId("exec");
        ContainerdShimTests.RunDetached(c, id2);
        var e = c.Ctr(["tasks", "exec", "--exec-id", "e1", id2, "sh", "-c", "echo exec-rootless; exit 3"]);
        Assert.Equal(3, e.ExitCode);
        Assert.Equal("exec-rootless", e.Stdout.Trim());
        var ps = c.Ctr(["tasks", "ps", id2]);
        Assert.True(ps.ExitCode == 0, ps.ToString());
        ContainerdShimTests.KillAndDelete(c, id2);
        Assert.DoesNotContain(id, c.Rlrun(["list", "--quiet"]).Stdout);
    }
}
