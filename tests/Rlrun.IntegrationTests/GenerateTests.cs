using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>`generate systemd`: a Type=notify user unit for an existing container.</summary>
public sealed class GenerateTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    [UserFact]
    public void Generate_systemd_writes_a_notify_unit_with_the_restart_policy()
    {
        var (id, _, bundle) = _s.RunDetached("gen");
        var r = _s.Rl("generate", "systemd", "--restart", "on-failure:2", "--stop-timeout", "7", id);
        Assert.True(r.ExitCode == 0, r.ToString());
        string unit = r.Stdout;
        Assert.Contains("Type=notify", unit);
        Assert.Contains("Environment=RLRUN_SDNOTIFY=ready", unit);
        Assert.Contains($"--root {_s.StateRoot} run --bundle {bundle.Path} {id}", unit);
        Assert.Contains($"kill {id} TERM", unit);
        Assert.Contains("Restart=on-failure", unit);
        Assert.Contains("StartLimitBurst=3", unit); // the first start and two restarts
        Assert.Contains("TimeoutStopSec=7", unit);
        Assert.Contains("WantedBy=default.target", unit);
    }

    [UserFact]
    public void Generate_rejects_an_unknown_policy_and_a_missing_container()
    {
        var (id, _, _) = _s.RunDetached("genbad");
        var bad = _s.Rl("generate", "systemd", "--restart", "sometimes", id);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("sometimes", bad.Stderr);
        var missing = _s.Rl("generate", "systemd", "no-such-container");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("no-such-container", missing.Stderr);
    }

    [UserFact]
    public void Generate_for_a_daemon_supervised_container_keeps_its_policy_and_takes_it_over()
    {
        var (id, _, bundle) = _s.RunDetached("gensup");
        // The record the daemon keeps of a container it supervises (only what generate reads of it).
        string records = Path.Join(_s.StateRoot, ".supervised");
        string record = Path.Join(records, id + ".json");
        Directory.CreateDirectory(records);
        File.WriteAllText(record, $"{{\"spec\":{{\"id\":\"{id}\",\"bundle\":\"{bundle.Path}\",\"noPivot\":true}},\"policy\":\"always\",\"state\":\"Running\"}}");
        Host.ChownToUser(records);
        try
        {
            var r = _s.Rl("generate", "systemd", "--stop-timeout", "7", id);
            Assert.True(r.ExitCode == 0, r.ToString());
            string unit = r.Stdout;
            Assert.Contains("Restart=always", unit); // the daemon's policy, not on-failure
            Assert.Contains($"# {id} is supervised by the rlrun daemon (restart always). This unit takes it over", unit);
            var pre = unit.Split('\n').Where(l => l.StartsWith("ExecStartPre=")).ToList();
            Assert.Equal([$"ExecStartPre=-{Host.Binary} --root {_s.StateRoot} stop -t 7 {id}", $"ExecStartPre=-{Host.Binary} --root {_s.StateRoot} delete --force {id}"], pre);
            Assert.Contains($"run --bundle {bundle.Path} --no-pivot {id}", unit);

            // --restart still decides when given.
            Assert.Contains("Restart=on-failure", _s.Rl("generate", "systemd", "--restart", "on-failure", id).Stdout);
        }
        finally { File.Delete(record); } // the sandbox deletes it as a plain container
    }
}
