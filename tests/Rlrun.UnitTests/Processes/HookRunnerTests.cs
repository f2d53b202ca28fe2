using System.Diagnostics;
using Rlrun.Runtime.Process;
using Rlrun.Runtime.Spec;
using Rlrun.Runtime.State;
using Rlrun.UnitTests.Support;
using Xunit;
using static Rlrun.UnitTests.Support.HookScripts;

namespace Rlrun.UnitTests.Processes;

/// <summary>HookRunner with real hooks: small /bin/sh scripts in a temp dir.</summary>
public class HookRunnerTests : IDisposable
{
    readonly TempDir _tmp = new();
    static readonly byte[] State = OciState.Json("web", "created", 4242, "/bundles/web", new Dictionary<string, string> { ["a"] = "b" });

    public void Dispose() => _tmp.Dispose();

    string Out(string name = "out") => _tmp.Join(name);

    [Fact]
    public void A_hook_that_exits_0_succeeds()
    {
        Assert.Null(HookRunner.Run(Hook(Write(_tmp, "ok", "exit 0")), State));
    }

    [Fact]
    public void The_state_json_arrives_on_stdin()
    {
        string hook = Write(_tmp, "stdin", $"cat > {Q(Out())}");
        Assert.Null(HookRunner.Run(Hook(hook), State));
        Assert.Equal(State, File.ReadAllBytes(Out()));
    }

    [Fact]
    public void A_state_larger_than_a_pipe_buffer_arrives_whole()
    {
        var annotations = Enumerable.Range(0, 2000).ToDictionary(i => $"org.example.k{i}", i => new string('v', 60));
        byte[] big = OciState.Json("web", "created", 1, "/b", annotations);
        Assert.True(big.Length > 128 * 1024);
        string hook = Write(_tmp, "stdin", $"cat > {Q(Out())}");
        Assert.Null(HookRunner.Run(Hook(hook), big));
        Assert.Equal(big, File.ReadAllBytes(Out()));
    }

    [Fact]
    public void A_hook_that_ignores_stdin_is_fine()
    {
        string hook = Write(_tmp, "deaf", $"echo ran > {Q(Out())}");
        Assert.Null(HookRunner.Run(Hook(hook), State));
        Assert.Equal("ran\n", File.ReadAllText(Out()));
    }

    [Fact]
    public void Args_0_is_argv0_and_the_rest_are_the_arguments()
    {
        // A script's argv[0] is replaced by the kernel's shebang handling, so run sh itself
        // and read back the argv it was given.
        string script = $"tr '\\000' '\\n' < /proc/$$/cmdline > {Q(Out())}";
        var hook = Hook("/bin/sh", args: ["my-hook-name", "-c", script, "first", "second arg"]);
        Assert.Null(HookRunner.Run(hook, State));
        Assert.Equal(["my-hook-name", "-c", script, "first", "second arg"], File.ReadAllLines(Out()));
    }

    [Fact]
    public void Args_after_the_first_reach_a_script_as_its_parameters()
    {
        string hook = Write(_tmp, "params", $"printf '%s\\n' \"$#\" \"$@\" > {Q(Out())}");
        Assert.Null(HookRunner.Run(Hook(hook, args: ["ignored-argv0", "a", "b c"]), State));
        Assert.Equal(["2", "a", "b c"], File.ReadAllLines(Out()));
    }

    [Fact]
    public void Without_args_the_hook_gets_no_parameters()
    {
        string hook = Write(_tmp, "noparams", $"echo \"$#\" > {Q(Out())}");
        Assert.Null(HookRunner.Run(Hook(hook), State));
        Assert.Equal("0\n", File.ReadAllText(Out()));
    }

    [Fact]
    public void The_environment_is_exactly_the_hooks_env()
    {
        // /proc/$$/environ is what execve gave the shell, before it adds PWD of its own.
        string hook = Write(_tmp, "env", $"tr '\\000' '\\n' < /proc/$$/environ > {Q(Out())}");
        Assert.Null(HookRunner.Run(Hook(hook, env: ["FOO=bar", "ANSWER=42", "EMPTY="]), State));
        Assert.Equal(["FOO=bar", "ANSWER=42", "EMPTY="], File.ReadAllLines(Out()));
    }

    [Fact]
    public void Without_env_the_hook_inherits_nothing()
    {
        Assert.False(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("PATH")));
        string hook = Write(_tmp, "noenv", $"tr '\\000' '\\n' < /proc/$$/environ > {Q(Out())}; echo \"HOME=[$HOME]\" >> {Q(Out())}");
        Assert.Null(HookRunner.Run(Hook(hook), State));
        Assert.Equal(["HOME=[]"], File.ReadAllLines(Out()));
    }

    [Fact]
    public void A_non_zero_exit_is_reported_with_the_status_and_what_the_hook_said()
    {
        string hook = Write(_tmp, "fail", "echo 'cannot configure network' >&2\nexit 3");
        string? why = HookRunner.Run(Hook(hook), State);
        Assert.NotNull(why);
        Assert.StartsWith("exit status 3", why);
        Assert.Contains("cannot configure network", why);
    }

    [Fact]
    public void Multi_line_output_is_reported_on_one_line()
    {
        string hook = Write(_tmp, "fail", "echo one >&2\necho two\nexit 1");
        Assert.Equal("exit status 1: one two", HookRunner.Run(Hook(hook), State));
    }

    [Fact]
    public void A_silent_failure_is_just_the_status()
    {
        Assert.Equal("exit status 7", HookRunner.Run(Hook(Write(_tmp, "fail", "exit 7")), State));
    }

    [Fact]
    public void A_hook_killed_by_a_signal_is_a_failure()
    {
        string? why = HookRunner.Run(Hook(Write(_tmp, "killed", "kill -9 $$")), State);
        Assert.Equal("exit status 137", why);
    }

    [Fact]
    public void Lots_of_output_does_not_block_the_hook()
    {
        // Far more than a pipe buffer: the runner must keep reading while it waits.
        string hook = Write(_tmp, "chatty", "i=0; while [ $i -lt 4000 ]; do echo \"line $i of a chatty hook that writes a lot\"; i=$((i+1)); done; exit 2");
        var sw = Stopwatch.StartNew();
        string? why = HookRunner.Run(Hook(hook, timeout: 20), State);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15), $"took {sw.Elapsed}");
        Assert.NotNull(why);
        Assert.StartsWith("exit status 2: line 0 of", why);
        Assert.True(why.Length < 8192, $"message is {why.Length} chars");
    }

    [Fact]
    public void A_hook_past_its_timeout_is_killed()
    {
        string hook = Write(_tmp, "slow", "exec sleep 30");
        var sw = Stopwatch.StartNew();
        string? why = HookRunner.Run(Hook(hook, timeout: 1), State);
        sw.Stop();
        Assert.NotNull(why);
        Assert.Contains("timed out", why);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"took {sw.Elapsed}");
        Assert.True(sw.Elapsed >= TimeSpan.FromSeconds(0.9), $"took {sw.Elapsed}");
    }

    [Fact]
    public void A_hook_past_its_timeout_is_killed_even_when_it_never_reads_a_large_state()
    {
        // The state does not fit in the stdin pipe and the hook never reads it: the timeout
        // must still apply (the write to stdin must not block past it).
        var annotations = Enumerable.Range(0, 2000).ToDictionary(i => $"org.example.k{i}", i => new string('v', 60));
        byte[] big = OciState.Json("web", "created", 1, "/b", annotations);
        string hook = Write(_tmp, "slow", "exec sleep 30");
        var sw = Stopwatch.StartNew();
        string? why = HookRunner.Run(Hook(hook, timeout: 1), big);
        sw.Stop();
        Assert.NotNull(why);
        Assert.Contains("timed out", why);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"took {sw.Elapsed}");
    }

    [Fact]
    public void A_quick_hook_with_a_timeout_is_not_held_to_it()
    {
        var sw = Stopwatch.StartNew();
        Assert.Null(HookRunner.Run(Hook(Write(_tmp, "quick", "exit 0"), timeout: 30), State));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
    }

    [Fact]
    public void A_missing_hook_is_an_error_naming_it()
    {
        string path = _tmp.Join("no-such-hook");
        string? why = HookRunner.Run(Hook(path), State);
        Assert.NotNull(why);
        Assert.Contains(path, why);
        Assert.Contains("No such file", why);
    }

    [Fact]
    public void A_hook_that_is_not_executable_is_an_error()
    {
        string path = _tmp.Join("not-exec");
        File.WriteAllText(path, "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string? why = HookRunner.Run(Hook(path), State);
        Assert.NotNull(why);
        Assert.Contains(path, why);
    }

    [Fact]
    public void A_background_child_holding_stdout_does_not_hold_up_the_runner()
    {
        string pidFile = Out("child.pid");
        string hook = Write(_tmp, "daemonizes", $"sleep 30 &\necho $! > {Q(pidFile)}\necho started\nexit 0");
        var sw = Stopwatch.StartNew();
        string? why = HookRunner.Run(Hook(hook), State);
        sw.Stop();
        try
        {
            Assert.Null(why);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"took {sw.Elapsed}");
            // The child is still running: the runner returned without it.
            int child = int.Parse(File.ReadAllText(pidFile).Trim());
            Assert.True(Directory.Exists($"/proc/{child}"));
        }
        finally { KillPidIn(pidFile); }
    }

    [Fact]
    public void A_failing_hooks_message_is_taken_even_when_a_child_holds_stdout()
    {
        string pidFile = Out("child.pid");
        string hook = Write(_tmp, "daemonizes", $"sleep 30 &\necho $! > {Q(pidFile)}\necho 'went wrong' >&2\nexit 4");
        var sw = Stopwatch.StartNew();
        string? why = HookRunner.Run(Hook(hook), State);
        sw.Stop();
        KillPidIn(pidFile);
        Assert.Equal("exit status 4: went wrong", why);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"took {sw.Elapsed}");
    }

    [Fact]
    public void RunAll_runs_hooks_in_order_and_stops_at_the_first_failure()
    {
        string log = Out("log");
        var hooks = new List<SpecHook>
        {
            Hook(Write(_tmp, "h0", $"echo h0 >> {Q(log)}")),
            Hook(Write(_tmp, "h1", $"echo h1 >> {Q(log)}; echo 'no network' >&2; exit 5")),
            Hook(Write(_tmp, "h2", $"echo h2 >> {Q(log)}")),
        };
        var e = Assert.Throws<HookFailedException>(() => HookRunner.RunAll("prestart", hooks, State));
        Assert.Equal($"prestart hook #1 ({hooks[1].Path}): exit status 5: no network", e.Message);
        Assert.Equal(["h0", "h1"], File.ReadAllLines(log));
    }

    [Fact]
    public void RunAll_of_passing_hooks_runs_them_all()
    {
        string log = Out("log");
        var hooks = Enumerable.Range(0, 3).Select(i => Hook(Write(_tmp, $"h{i}", $"echo h{i} >> {Q(log)}"))).ToList();
        HookRunner.RunAll("createRuntime", hooks, State);
        Assert.Equal(["h0", "h1", "h2"], File.ReadAllLines(log));
    }

    [Fact]
    public void RunAll_of_no_hooks_does_nothing()
    {
        HookRunner.RunAll("prestart", null, State);
        HookRunner.RunAll("prestart", [], State);
        HookRunner.RunAllWarn("poststop", null, State, w => Assert.Fail(w));
    }

    [Fact]
    public void RunAll_names_a_missing_hook_with_its_phase_and_index()
    {
        string missing = _tmp.Join("gone");
        var hooks = new List<SpecHook> { Hook(Write(_tmp, "ok", "exit 0")), Hook(missing) };
        var e = Assert.Throws<HookFailedException>(() => HookRunner.RunAll("createContainer", hooks, State));
        Assert.StartsWith($"createContainer hook #1 ({missing}): ", e.Message);
    }

    [Fact]
    public void RunAllWarn_runs_every_hook_and_reports_each_failure()
    {
        string log = Out("log");
        var hooks = new List<SpecHook>
        {
            Hook(Write(_tmp, "h0", $"echo h0 >> {Q(log)}; echo first >&2; exit 1")),
            Hook(Write(_tmp, "h1", $"echo h1 >> {Q(log)}")),
            Hook(_tmp.Join("missing")),
            Hook(Write(_tmp, "h3", $"echo h3 >> {Q(log)}; exit 9")),
        };
        var warnings = new List<string>();
        HookRunner.RunAllWarn("poststop", hooks, State, warnings.Add);

        Assert.Equal(["h0", "h1", "h3"], File.ReadAllLines(log));
        Assert.Equal(3, warnings.Count);
        Assert.Equal($"poststop hook #0 ({hooks[0].Path}): exit status 1: first", warnings[0]);
        Assert.StartsWith($"poststop hook #2 ({hooks[2].Path}): ", warnings[1]);
        Assert.Equal($"poststop hook #3 ({hooks[3].Path}): exit status 9", warnings[2]);
    }

    [Fact]
    public void Each_hook_gets_the_same_state()
    {
        var hooks = Enumerable.Range(0, 2).Select(i => Hook(Write(_tmp, $"h{i}", $"cat > {Q(Out($"in{i}"))}"))).ToList();
        HookRunner.RunAll("poststart", hooks, State);
        Assert.Equal(State, File.ReadAllBytes(Out("in0")));
        Assert.Equal(State, File.ReadAllBytes(Out("in1")));
    }

    [Fact]
    public void The_runner_leaves_no_file_descriptors_behind()
    {
        int before = Directory.GetFiles("/proc/self/fd").Length;
        for (int i = 0; i < 40; i++)
        {
            HookRunner.Run(Hook(Write(_tmp, "ok", "exit 0")), State);
            HookRunner.Run(Hook(Write(_tmp, "bad", "exit 1")), State);
            HookRunner.Run(Hook(_tmp.Join("missing")), State);
        }
        int after = Directory.GetFiles("/proc/self/fd").Length;
        // Other tests run in parallel and open files too; 120 runs leaking even one fd each would show.
        Assert.True(after - before < 40, $"fds before {before}, after {after}");
    }

    static void KillPidIn(string pidFile)
    {
        try
        {
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out int pid))
                Rlrun.Runtime.Interop.ProcessCalls.kill(pid, 9);
        }
        catch (IOException) { }
    }
}
