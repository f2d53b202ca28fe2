using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>`start` of a container whose process exits at once. Opening the exec fifo releases
/// the init; if `start` only then checks that the init is alive, a fast process is already gone
/// and `start` fails ("has stopped") although it did start it. On a loaded machine that happens by
/// itself; here strace delays `start`'s pidfd_open (its liveness check) by 300 ms, so the order
/// is forced. A runtime that checks before it releases is not affected by the delay.</summary>
public sealed class StartTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    const string Strace = "/usr/bin/strace";

    [StraceFact]
    public void Start_of_a_process_that_exits_at_once_succeeds_even_when_start_is_slow()
    {
        var b = _s.NewBundle(["sh", "-c", "echo ran >/tmp/started"], readonlyRoot: false);
        string id = _s.NewId("fast");
        var create = _s.Rl("create", "--bundle", b.Path, id);
        Assert.True(create.ExitCode == 0 && !create.TimedOut, create.ToString());

        var rl = _s.RlSpec(["start", id]);
        var slowed = new ProcSpec(Strace,
            ["-qq", "-o", "/dev/null", "-e", "trace=pidfd_open", "-e", "inject=pidfd_open:delay_enter=300000", rl.File, .. rl.Args], rl.Env, rl.ClearEnv);
        var r = Proc.Run(slowed, timeout: TimeSpan.FromSeconds(20));
        Assert.False(r.TimedOut, r.ToString());
        _s.WaitForStatus(id, "stopped");
        bool ran = File.Exists(Path.Join(b.Rootfs, "tmp", "started"));
        Assert.True(r.ExitCode == 0, $"start failed although the container's process {(ran ? "ran" : "did not run")}: {r}");
        Assert.True(ran, "the container's process did not run");
    }

    public sealed class StraceFactAttribute : FactAttribute
    {
        public StraceFactAttribute()
        {
            if (!Host.Unprivileged) Skip = "requires an unprivileged user: the tests run as root and RLRUN_TEST_USER is not set";
            else if (!File.Exists(Strace)) Skip = $"{Strace} is missing (apt-get install strace): it delays start's syscall to force the race";
        }
    }
}
