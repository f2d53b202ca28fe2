using System.Diagnostics;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>rlrun as podman's runtime (`podman --runtime rlrun`), side by side with runc under the
/// same podman: how the container's process starts, a run with --timeout, and the exit codes podman
/// gives a command that cannot run (it reads them from the runtime's words).</summary>
public sealed class PodmanProcessTests(PodmanWorld podman) : IClassFixture<PodmanWorld>
{
    const string Image = PodmanWorld.Image;

    static string Name(string tag) => $"it-{tag}-{Guid.NewGuid().ToString("N")[..8]}";

    const string Report = "grep -E '^Sig(Blk|Ign):' /proc/self/status; yes | head -1";
    const string CleanStart = "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\ny\n";

    [PodmanFact]
    public void Run_gives_the_process_default_signals_and_a_quiet_pipeline_as_runc_does()
    {
        var r = podman.Run("rlrun", "run", "--rm", "--network", "none", Image, "sh", "-c", Report);
        Assert.True(r.ExitCode == 0 && r.Stdout + r.Stderr == CleanStart, r.ToString());
        var runc = podman.Run("runc", "run", "--rm", "--network", "none", Image, "sh", "-c", Report);
        // runc passes on what podman's caller ignored; rlrun resets it: the pipeline must match.
        Assert.Equal(ProcessStartTests.WithoutSignalLines(runc.Stdout + runc.Stderr), ProcessStartTests.WithoutSignalLines(r.Stdout + r.Stderr));
    }

    /// <summary>runc keeps what conmon ignored (SigIgn 4, SIGQUIT, under exec); rlrun makes it default.</summary>
    [PodmanFact]
    public void Exec_gives_a_clean_start_in_a_session_of_its_own()
    {
        string name = Name("pexec");
        try
        {
            var d = podman.Run("rlrun", "run", "-d", "--name", name, "--network", "none", Image, "sleep", "1000");
            Assert.True(d.ExitCode == 0, d.ToString());
            var r = podman.Run("rlrun", "exec", name, "sh", "-c", Report);
            Assert.True(r.ExitCode == 0 && r.Stdout + r.Stderr == CleanStart, r.ToString());
            var s = podman.Run("rlrun", "exec", name, "sh", "-c", "set -- $(cat /proc/$$/stat); echo $1 $5 $6");
            var f = s.Stdout.Trim().Split(' ');
            Assert.True(s.ExitCode == 0 && f.Length == 3 && f[0] == f[1] && f[1] == f[2], $"pid, pgrp and sid should be one: {s}");
        }
        finally { podman.Run("rlrun", "rm", "--force", "--time", "0", name); }
    }

    /// <summary>conmon kills the container's process group at the timeout: with the container in
    /// conmon's group, conmon died too, podman hung ~24 s, said 127 and showed it running.</summary>
    [PodmanFact]
    public void Run_with_a_timeout_stops_the_container_in_time_as_with_runc()
    {
        var results = new Dictionary<string, (ProcResult R, TimeSpan Took, string Status)>();
        foreach (var runtime in new[] { "runc", "rlrun" })
        {
            string name = Name("ptimeout");
            try
            {
                var clock = Stopwatch.StartNew();
                var r = podman.Run(runtime, ["run", "--name", name, "--timeout", "2", "--network", "none", Image, "sleep", "30"], TimeSpan.FromSeconds(60));
                var took = clock.Elapsed;
                var inspect = podman.Run(runtime, "inspect", "--format", "{{.State.Status}}", name);
                results[runtime] = (r, took, inspect.Stdout.Trim());
            }
            finally { podman.Run(runtime, "rm", "--force", "--time", "0", name); }
        }
        var (rl, rlTook, rlStatus) = results["rlrun"];
        var (rc, rcTook, rcStatus) = results["runc"];
        // In time means as runc's run, not within a fixed bound: a podman run alone takes 10 s and
        // more on a loaded machine; the bug hung some 24 s beyond runc's.
        Assert.True(rlTook < rcTook + TimeSpan.FromSeconds(10),
            $"podman run --timeout 2 took {rlTook.TotalSeconds:0.0} s, with runc {rcTook.TotalSeconds:0.0} s: {rl}");
        Assert.True(rl.ExitCode == rc.ExitCode, $"exit {rl.ExitCode}, runc's {rc.ExitCode}: {rl}");
        Assert.True(rlStatus == rcStatus && rlStatus != "running", $"status \"{rlStatus}\", runc's \"{rcStatus}\"");
    }

    [PodmanTheory]
    [InlineData("/etc/passwd", 126)]
    [InlineData("/etc", 126)]
    [InlineData("/nonexistent", 127)]
    [InlineData("nosuchcmd", 127)]
    public void Run_of_a_command_that_cannot_run_exits_as_with_runc(string command, int exitCode)
    {
        foreach (var runtime in new[] { "runc", "rlrun" })
        {
            var r = podman.Run(runtime, "run", "--rm", "--network", "none", Image, command);
            Assert.True(r.ExitCode == exitCode, $"{runtime}: {r}");
        }
    }

    [PodmanTheory]
    [InlineData("/etc/passwd", 126)]
    [InlineData("/nonexistent", 127)]
    [InlineData("nosuchcmd", 127)]
    public void Exec_of_a_command_that_cannot_run_exits_as_with_runc(string command, int exitCode)
    {
        foreach (var runtime in new[] { "runc", "rlrun" })
        {
            string name = Name("pnoexec");
            try
            {
                var d = podman.Run(runtime, "run", "-d", "--name", name, "--network", "none", Image, "sleep", "1000");
                Assert.True(d.ExitCode == 0, d.ToString());
                // runc 1.1.5 under rootless podman has been seen to fail an exec right after `run -d`
                // ("cannot join mount namespace for PID: Operation not permitted", at load): the
                // exec under test comes once an exec of `true` works, for either runtime.
                var ready = podman.Run(runtime, "exec", name, "true");
                for (int i = 0; i < 20 && ready.ExitCode != 0; i++)
                {
                    Thread.Sleep(250);
                    ready = podman.Run(runtime, "exec", name, "true");
                }
                Assert.True(ready.ExitCode == 0, $"{runtime}: exec true: {ready}");
                var r = podman.Run(runtime, "exec", name, command);
                Assert.True(r.ExitCode == exitCode, $"{runtime}: {r}");
            }
            finally { podman.Run(runtime, "rm", "--force", "--time", "0", name); }
        }
    }
}
