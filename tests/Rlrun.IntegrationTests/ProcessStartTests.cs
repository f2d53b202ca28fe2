using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>How the container's process starts, side by side with runc on the same bundle: signal
/// dispositions and mask, HOME, its own session, and runc's words for a command that cannot run.</summary>
public sealed class ProcessStartTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    /// <summary>What a process reports about how it started. `yes | head -1` says "Broken pipe" (and
    /// keeps writing) when SIGPIPE is ignored; with it default, yes dies quietly.</summary>
    const string Report = "grep -E '^Sig(Blk|Ign):' /proc/self/status; yes | head -1";
    const string CleanStart = "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\ny\n";

    static void AssertCleanStart(string output, string what) =>
        Assert.True(output.Replace("\r", "") == CleanStart, $"{what}: expected\n{CleanStart}got\n{output}");

    static string ReportTo(string file) => $"{{ {Report}; }} >{file} 2>&1";

    /// <summary>The container's own output, without rlrun's warnings (ambient capabilities, cgroups).</summary>
    static string ContainerLines(string text) =>
        string.Join("", text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("rlrun")).Select(l => l + "\n"));

    // -------- 1. dispositions and mask at execve --------

    [UserFact]
    public void Run_starts_the_process_with_every_signal_default_and_none_blocked_as_runc_does()
    {
        var b = _s.NewBundle(["sh", "-c", Report]);
        var r = _s.Rl("run", "--bundle", b.Path, _s.NewId("sigrun"));
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        AssertCleanStart(r.Stdout + ContainerLines(r.Stderr), "rlrun run");
        if (Runc.Path is null) return;
        var runc = Runc.Run(_s, b, _s.NewId("sigrunc"));
        Assert.True(runc.ExitCode == 0, runc.ToString());
        // runc passes on what its caller ignored (a .NET test host ignores signal 32), rlrun
        // resets every disposition: the pipeline is what must match.
        Assert.Equal(WithoutSignalLines(runc.Stdout + runc.Stderr), WithoutSignalLines(r.Stdout + ContainerLines(r.Stderr)));
    }

    /// <summary>Output without the SigBlk and SigIgn lines, which depend on runc's caller.</summary>
    internal static string WithoutSignalLines(string text) =>
        string.Join("", text.Replace("\r", "").Split('\n').Where(l => l.Length > 0 && !l.StartsWith("Sig")).Select(l => l + "\n"));

    [UserFact]
    public void Create_and_start_give_a_clean_start()
    {
        var b = _s.NewBundle(["sh", "-c", ReportTo("/report")], readonlyRoot: false);
        string id = _s.NewId("sigcreate");
        var c = _s.Rl("create", "--bundle", b.Path, id);
        Assert.True(c.ExitCode == 0, c.ToString());
        var st = _s.Rl("start", id);
        Assert.True(st.ExitCode == 0, st.ToString());
        _s.WaitForStatus(id, "stopped");
        AssertCleanStart(File.ReadAllText(Path.Join(b.Rootfs, "report")), "create + start");
    }

    [UserFact]
    public void Exec_gives_a_clean_start()
    {
        var (id, _, _) = _s.RunDetached("sigexec");
        var r = _s.Rl("exec", id, "sh", "-c", Report);
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        AssertCleanStart(r.Stdout + ContainerLines(r.Stderr), "rlrun exec");
    }

    /// <summary>A restart goes through rlrun-supervisor (a .NET process with its own dispositions).</summary>
    [UserFact]
    public void A_supervised_restart_gives_a_clean_start()
    {
        var b = _s.NewBundle(["sh", "-c", $"n=$(cat /runs 2>/dev/null || echo 0); echo $((n+1)) >/runs; {ReportTo("/report$n")}; [ $n -ge 1 ] || exit 3"],
            readonlyRoot: false);
        var r = Proc.Run(Host.AsUser(Host.Binary, ["--root", _s.StateRoot, "run", "--restart", "on-failure:2", "--bundle", b.Path, _s.NewId("sigrestart")],
            [.. Host.ShellEnv, new("RLRUN_RESTART__INITIAL_DELAY", "50ms")]), timeout: TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        AssertCleanStart(File.ReadAllText(Path.Join(b.Rootfs, "report0")), "first supervised run");
        AssertCleanStart(File.ReadAllText(Path.Join(b.Rootfs, "report1")), "supervised restart");
    }

    // -------- 2. forwarding what rlrun inherited ignored --------

    /// <summary>A shell starts `rlrun run x &amp;` with SIGINT and SIGQUIT ignored (POSIX); runc forwards
    /// kill -INT anyway, and so must rlrun.</summary>
    [UserTheory]
    [InlineData("INT", 2, 41)]
    [InlineData("QUIT", 3, 42)]
    public void A_run_started_in_the_background_by_a_shell_forwards_what_the_shell_ignored(string name, int signal, int exitCode)
    {
        var b = _s.NewBundle(["sh", "-c", $"trap 'echo got-{name}; exit {exitCode}' {name}; echo ready; while :; do sleep 0.1; done"]);
        string id = _s.NewId("bg" + name.ToLowerInvariant());
        // The first line shows what an asynchronous command of this shell inherits: INT and QUIT ignored.
        string script = $"grep ^SigIgn: /proc/self/status & wait $!; '{Host.Binary}' --root '{_s.StateRoot}' run --bundle '{b.Path}' {id} & echo pid=$!; wait $!; echo rc=$?";
        using var shell = Proc.Start(Host.AsUser("/bin/sh", ["-c", script], Host.ShellEnv));
        if (!shell.WaitForStdout("ready", TimeSpan.FromSeconds(15)))
            Assert.Fail($"the container never said ready: {shell.Wait(TimeSpan.FromSeconds(1))}");
        int pid = int.Parse(shell.Stdout.Split('\n').First(l => l.StartsWith("pid="))[4..]);
        ulong inherited = Convert.ToUInt64(shell.Stdout.Split('\n').First(l => l.StartsWith("SigIgn:"))[7..].Trim(), 16);
        Assert.True((inherited & (1UL << (signal - 1))) != 0, $"this shell does not ignore SIG{name} in an asynchronous command: {shell.Stdout}");

        Host.Signal(pid, signal);
        var r = shell.Wait(TimeSpan.FromSeconds(15));
        Assert.False(r.TimedOut, $"kill -{name} of a backgrounded rlrun was lost: {r}");
        Assert.Contains($"got-{name}", r.Stdout);
        Assert.Contains($"rc={exitCode}", r.Stdout);
    }

    [UserFact]
    public void An_exec_started_in_the_background_by_a_shell_forwards_SIGINT()
    {
        var (id, _, _) = _s.RunDetached("bgexec");
        string script = $"'{Host.Binary}' --root '{_s.StateRoot}' exec {id} sh -c \"trap 'echo got-INT; exit 43' INT; echo ready; while :; do sleep 0.1; done\" & echo pid=$!; wait $!; echo rc=$?";
        using var shell = Proc.Start(Host.AsUser("/bin/sh", ["-c", script], Host.ShellEnv));
        if (!shell.WaitForStdout("ready", TimeSpan.FromSeconds(15)))
            Assert.Fail($"the exec'd process never said ready: {shell.Wait(TimeSpan.FromSeconds(1))}");
        int pid = int.Parse(shell.Stdout.Split('\n').First(l => l.StartsWith("pid="))[4..]);
        Host.Signal(pid, 2);
        var r = shell.Wait(TimeSpan.FromSeconds(15));
        Assert.True(!r.TimedOut && r.Stdout.Contains("got-INT") && r.Stdout.Contains("rc=43"), $"kill -INT of a backgrounded rlrun exec was lost: {r}");
    }

    /// <summary>A command that forwards nothing keeps what the shell ignored, as runc's does: the
    /// native constructor had to make SIGINT default before the runtime started, and gives it back.</summary>
    [UserFact]
    public void A_create_started_in_the_background_by_a_shell_still_ignores_SIGINT()
    {
        // A createRuntime hook that sleeps holds create open long enough to be signalled.
        var b = _s.NewBundle(["true"], c => c["hooks"] = new JsonObject
        {
            ["createRuntime"] = new JsonArray(new JsonObject { ["path"] = "/bin/sleep", ["args"] = new JsonArray("sleep", "2") }),
        });
        string id = _s.NewId("bgcreate");
        string script = $"'{Host.Binary}' --root '{_s.StateRoot}' create --bundle '{b.Path}' {id} & echo pid=$!; wait $!; echo rc=$?";
        using var shell = Proc.Start(Host.AsUser("/bin/sh", ["-c", script], Host.ShellEnv));
        if (!shell.WaitForStdout("pid=", TimeSpan.FromSeconds(10)))
            Assert.Fail($"the shell never started create: {shell.Wait(TimeSpan.FromSeconds(1))}");
        int pid = int.Parse(shell.Stdout.Split('\n').First(l => l.StartsWith("pid="))[4..]);
        Thread.Sleep(700); // inside the hook
        Host.Signal(pid, 2);
        var r = shell.Wait(TimeSpan.FromSeconds(20));
        Assert.True(r.Stdout.Contains("rc=0") && !r.TimedOut, $"create died of an ignored SIGINT: {r}");
        Assert.Equal("created", _s.Status(id));
    }

    // -------- 3. HOME --------

    [UserFact]
    public void HOME_comes_from_the_containers_passwd_when_env_has_none_as_runc_does()
    {
        var b = _s.NewBundle(["sh", "-c", "echo HOME=$HOME"]);
        Assert.DoesNotContain(b.ReadConfig()["process"]!["env"]!.AsArray(), e => e!.GetValue<string>().StartsWith("HOME="));
        var r = _s.Rl("run", "--bundle", b.Path, _s.NewId("home"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("HOME=/root\n", r.Stdout);
        if (Runc.Path is null) return;
        var runc = Runc.Run(_s, b, _s.NewId("homerunc"));
        Assert.Equal(runc.Stdout, r.Stdout);
    }

    [UserFact]
    public void HOME_is_read_from_the_container_not_the_host_and_is_slash_without_an_entry()
    {
        var b = _s.NewBundle(["sh", "-c", "echo HOME=$HOME"]);
        string passwd = Path.Join(b.Rootfs, "etc", "passwd");
        File.WriteAllText(passwd, "root:x:0:0:root:/home/admin:/bin/sh\n");
        var r = _s.Rl("run", "--bundle", b.Path, _s.NewId("homeadm"));
        Assert.True(r.ExitCode == 0 && r.Stdout == "HOME=/home/admin\n", r.ToString());

        File.WriteAllText(passwd, "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
        r = _s.Rl("run", "--bundle", b.Path, _s.NewId("homenone"));
        Assert.True(r.ExitCode == 0 && r.Stdout == "HOME=/\n", r.ToString());
    }

    [UserFact]
    public void A_HOME_in_process_env_is_kept()
    {
        var b = _s.NewBundle(["sh", "-c", "echo HOME=$HOME"], c => c["process"]!["env"]!.AsArray().Add("HOME=/data"));
        var r = _s.Rl("run", "--bundle", b.Path, _s.NewId("homeset"));
        Assert.True(r.ExitCode == 0 && r.Stdout == "HOME=/data\n", r.ToString());
    }

    [UserFact]
    public void Exec_sets_HOME_too_unless_given()
    {
        var (id, _, _) = _s.RunDetached("homeexec");
        var r = _s.Rl("exec", id, "sh", "-c", "echo HOME=$HOME");
        Assert.True(r.ExitCode == 0 && r.Stdout == "HOME=/root\n", r.ToString());
        r = _s.Rl("exec", "--env", "HOME=/elsewhere", id, "sh", "-c", "echo HOME=$HOME");
        Assert.True(r.ExitCode == 0 && r.Stdout == "HOME=/elsewhere\n", r.ToString());
    }

    // -------- 11. a session of its own --------

    const string SessionReport = "set -- $(cat /proc/$$/stat); echo pid=$1 pgrp=$5 sid=$6";

    [UserFact]
    public void The_process_leads_its_own_session_as_runcs_does()
    {
        var b = _s.NewBundle(["sh", "-c", SessionReport]);
        var r = _s.Rl("run", "--bundle", b.Path, _s.NewId("sess"));
        Assert.True(r.ExitCode == 0 && r.Stdout == "pid=1 pgrp=1 sid=1\n", r.ToString());
        if (Runc.Path is null) return;
        var runc = Runc.Run(_s, b, _s.NewId("sessrunc"));
        Assert.Equal(runc.Stdout, r.Stdout);
    }

    [UserFact]
    public void An_execd_process_leads_its_own_session()
    {
        var (id, _, _) = _s.RunDetached("sessexec");
        var r = _s.Rl("exec", id, "sh", "-c", SessionReport);
        Assert.True(r.ExitCode == 0, r.ToString());
        var f = r.Stdout.Trim().Split(' ').Select(kv => kv.Split('=')[1]).ToArray();
        Assert.True(f.Length == 3 && f[0] == f[1] && f[1] == f[2], $"the exec'd process should lead its own session and group: {r}");
    }

    // -------- 12. runc's words for a command that cannot run --------

    [UserTheory]
    [InlineData("/etc/passwd", "exec: \"/etc/passwd\": permission denied")]
    [InlineData("/etc", "exec: \"/etc\": permission denied")]
    [InlineData("/nonexistent", "exec: \"/nonexistent\": stat /nonexistent: no such file or directory")]
    [InlineData("nosuchcmd", "exec: \"nosuchcmd\": executable file not found in $PATH")]
    public void A_command_that_cannot_run_is_refused_in_runcs_words(string command, string words)
    {
        var b = _s.NewBundle([command]);
        foreach (var verb in new[] { "run", "create" })
        {
            string id = _s.NewId("noexec");
            var r = _s.Rl(verb, "--bundle", b.Path, id);
            Assert.True(r.ExitCode != 0 && r.Stderr.Contains(words), $"{verb}: {r}");
            Assert.False(Directory.Exists(_s.StateDir(id)), $"{verb} left {_s.StateDir(id)} behind");
        }
        if (Runc.Path is not null)
        {
            var runc = Runc.Run(_s, b, _s.NewId("noexecrunc"));
            // runc logs as logrus text: msg="... exec: \"/etc/passwd\": ..."
            Assert.True(runc.ExitCode != 0 && runc.Stderr.Replace("\\\"", "\"").Contains(words), $"runc says it otherwise now: {runc}");
        }

        var (cid, _, _) = _s.RunDetached("noexecin");
        var e = _s.Rl("exec", cid, command);
        Assert.True(e.ExitCode != 0 && e.Stderr.Contains(words), $"exec: {e}");
    }
}
