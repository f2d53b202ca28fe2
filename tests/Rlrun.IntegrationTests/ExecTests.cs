using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>`exec` into a running container (`run -d` of a loop), as the unprivileged user: the new
/// process is in the container's namespaces (PID, mount, UTS, user), gets the container's process
/// defaults with the command line's overrides, and its exit code is rlrun's.</summary>
public sealed class ExecTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    static void Ok(ProcResult r) => Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());

    static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The script of every container here: the init that `exec` joins.</summary>
    const string InitScript = "trap 'exit 0' TERM; while :; do sleep 0.1; done # exec-it-init";

    (string Id, int Pid, Bundle Bundle) RunDetached(string tag, Action<JsonObject>? edit = null, Action<Bundle>? prepare = null)
    {
        var bundle = _s.NewBundle(["/bin/busybox", "sh", "-c", InitScript], edit);
        prepare?.Invoke(bundle);
        string id = _s.NewId(tag);
        var r = _s.Rl("run", "-d", "--bundle", bundle.Path, id);
        Assert.True(r.ExitCode == 0 && !r.TimedOut, $"run -d failed: {r}");
        _s.WaitForStatus(id, "running");
        return (id, _s.State(id)["pid"]!.GetValue<int>(), bundle);
    }

    ProcResult Exec(params string[] args) => _s.Rl(["exec", .. args], timeout: TimeSpan.FromSeconds(20));

    [UserFact]
    public void Exec_sees_the_containers_hostname_pid_namespace_mounts_and_id_map()
    {
        string marker = $"only-in-rootfs-{Guid.NewGuid():N}";
        var (id, pid, _) = RunDetached("ns", c => c["hostname"] = "exec-it-host",
            b => File.WriteAllText(Path.Join(b.Rootfs, "exec-marker"), marker + "\n"));

        var r = Exec(id, "sh", "-c", "echo $$; hostname; cat /exec-marker; tr '\\0' ' ' </proc/1/cmdline; echo; cat /proc/self/uid_map");
        Ok(r);
        var lines = Lines(r.Stdout);
        Assert.True(lines.Length >= 5, r.ToString());
        int execPid = int.Parse(lines[0]);
        Assert.True(execPid > 1 && execPid < 100, $"the exec'd shell's PID {execPid} is not one of the container's PID namespace: {r}");
        Assert.Equal("exec-it-host", lines[1]);
        Assert.Equal(marker, lines[2]);
        Assert.Contains("exec-it-init", lines[3]); // PID 1 there is the container's init
        // The same ID map as the init's: the exec'd process is in the container's user namespace.
        string initMap = File.ReadAllText($"/proc/{pid}/uid_map");
        Assert.Equal(Lines(initMap).Select(Normalize), lines[4..].Select(Normalize));

        // ps inside lists the init as PID 1 and the exec'd ps itself; and only the container's processes.
        var ps = Exec(id, "sh", "-c", "ps -o pid,args; true");
        Ok(ps);
        var rows = Lines(ps.Stdout).Skip(1).Select(l => l.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Contains(rows, row => row[0] == "1" && row.Length > 1 && row[1].Contains("exec-it-init"));
        Assert.All(rows, row => Assert.True(int.Parse(row[0]) < 100, $"a process with host-sized PID {row[0]} is visible: {ps}"));
        Assert.DoesNotContain(rows, row => row.Length > 1 && row[1].Contains("dotnet"));

        // The host's files are not there: the test run's directory exists only outside.
        var host = Exec(id, "sh", "-c", $"test -e {Host.RunDir} && echo visible || echo absent");
        Ok(host);
        Assert.Equal("absent", host.Stdout.Trim());
    }

    static string Normalize(string mapLine) => string.Join(' ', mapLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    [UserFact]
    public void Exit_code_of_the_exec_process_is_rlruns()
    {
        var (id, pid, _) = RunDetached("exit");
        var r = Exec(id, "sh", "-c", "exit 3");
        Assert.False(r.TimedOut, r.ToString());
        Assert.True(r.ExitCode == 3, r.ToString());
        var k = Exec(id, "sh", "-c", "kill -9 $$");
        Assert.True(k.ExitCode == 137, $"an exec'd process killed by SIGKILL should give 137: {k}");
        Assert.Equal("running", _s.Status(id));
        Assert.False(Host.ProcessGone(pid), "the init died with the exec'd process");
    }

    [UserFact]
    public void Env_and_cwd_flags_apply_on_top_of_the_containers_env()
    {
        var (id, _, _) = RunDetached("envcwd");
        var r = Exec("--env", "K=V", "-e", "K2=two words", "--cwd", "/tmp", id, "sh", "-c", "echo \"$K|$K2\"; pwd; echo \"$RLRUN_IT_RUN\"");
        Ok(r);
        string runTag = Host.EnvMarker.Split('=', 2)[1];
        Assert.Equal(["V|two words", "/tmp", runTag], Lines(r.Stdout));

        // Without the flags: the container's own cwd (/) and no K.
        var plain = Exec(id, "sh", "-c", "echo \"[$K]\"; pwd");
        Ok(plain);
        Assert.Equal(["[]", "/"], Lines(plain.Stdout));
    }

    [SubIdFact]
    public void User_flag_runs_as_a_mapped_container_user()
    {
        var (id, _, _) = RunDetached("user");
        var r = Exec("--user", "1000:1000", id, "sh", "-c", "id -u; id -g");
        Ok(r);
        Assert.Equal(["1000", "1000"], Lines(r.Stdout));

        // On the host, that is the subordinate ID 999 past the range's start (container 1 = range start).
        string pidFile = Path.Join(_s.Dir, "user.pid");
        Ok(Exec("--detach", "--pid-file", pidFile, "--user", "1000:1000", id, "sleep", "300"));
        int pid = int.Parse(File.ReadAllText(pidFile).Trim());
        var uidLine = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:"));
        Assert.Equal((Host.SubUid!.Value.Start + 999).ToString(), uidLine.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1]);
    }

    [UserFact]
    public void Process_json_gives_args_env_cwd_and_user()
    {
        var (id, _, _) = RunDetached("procjson");
        string file = Path.Join(_s.Dir, "process.json");
        File.WriteAllText(file, """
            {
              "args": ["sh", "-c", "echo \"from-json $FOO\"; pwd; id -u"],
              "env": ["FOO=bar", "PATH=/bin"],
              "cwd": "/etc",
              "user": { "uid": 0, "gid": 0 }
            }
            """);
        File.SetUnixFileMode(file, (UnixFileMode)0x1a4); // 0644
        var r = Exec("-p", file, id);
        Ok(r);
        Assert.Equal(["from-json bar", "/etc", "0"], Lines(r.Stdout));
    }

    [UserFact]
    public void Detach_with_pid_file_leaves_a_live_process_in_the_container()
    {
        var (id, initPid, _) = RunDetached("detach");
        string pidFile = Path.Join(_s.Dir, "exec.pid");
        var started = DateTime.UtcNow;
        var r = Exec("--detach", "--pid-file", pidFile, id, "sleep", "300");
        Ok(r);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(60), "exec --detach waited for its process (sleep 300)");
        Assert.True(File.Exists(pidFile), $"no pid file: {r}");
        int pid = int.Parse(File.ReadAllText(pidFile).Trim());
        Assert.False(Host.ProcessGone(pid), $"the exec'd process {pid} is not alive");
        Assert.Equal("sleep 300", File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim());
        Assert.Equal(Host.PidNamespaceOf(initPid), Host.PidNamespaceOf(pid));
        Assert.Equal(new FileInfo($"/proc/{initPid}/ns/mnt").LinkTarget, new FileInfo($"/proc/{pid}/ns/mnt").LinkTarget);

        // It dies with the container.
        Ok(_s.Rl("delete", "--force", id));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!Host.ProcessGone(pid) && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.True(Host.ProcessGone(pid), $"the exec'd process {pid} outlived delete --force");
    }

    [UserFact]
    public void Exec_into_a_stopped_container_fails_clearly()
    {
        var b = _s.NewBundle(["true"]);
        string id = _s.NewId("stopped");
        Ok(_s.Rl("run", "--keep", "--bundle", b.Path, id));
        Assert.Equal("stopped", _s.Status(id));
        var r = Exec(id, "true");
        Assert.False(r.TimedOut, r.ToString());
        Assert.True(r.ExitCode != 0, $"exec into a stopped container succeeded: {r}");
        Assert.Contains("stopped", r.Stderr);
        Assert.DoesNotContain("\n", r.Stderr.TrimEnd('\n'));

        string missing = _s.NewId("missing");
        var m = Exec(missing, "true");
        Assert.True(m.ExitCode != 0, $"exec into a missing container succeeded: {m}");
        Assert.Contains(missing, m.Stderr);
    }

    /// <summary>CVE-2024-21626 for exec: nothing of rlrun's (init socket, the sealed binary, state
    /// dir fds) reaches the exec'd process.</summary>
    [UserFact]
    public void Exec_process_has_only_stdio_open()
    {
        var (id, _, _) = RunDetached("fds");
        var r = Exec(id, "sh", "-c", "ls /proc/$$/fd; true");
        Ok(r);
        Assert.Equal(["0", "1", "2"], Lines(r.Stdout));
    }
}
