using Rlrun.Actors;
using Rlrun.ActorTests.Support;
using Rlrun.Runtime.Interop;
using Rlrun.Runtime.State;

namespace Rlrun.ActorTests.Driver;

/// <summary>The exit watch of RuntimeContainerDriver on real processes (no container needed): a
/// child's status through waitpid, a process that is not our child through its pidfd.</summary>
public sealed class ExitWatchTests
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    static InitProcess Spawn(params string[] argv)
    {
        int pid = SpawnCalls.Spawn(argv[0], argv, ["PATH=/usr/bin:/bin"]);
        return new InitProcess(pid, ProcStat.Read(pid)?.StartTime ?? 0);
    }

    [Fact]
    public async Task A_child_reports_its_exit_code()
    {
        var init = Spawn("/bin/sh", "-c", "sleep 0.2; exit 7");
        Assert.Equal(7, await ExitWatch.Start(init).WaitAsync(Patience));
    }

    [Fact]
    public async Task A_child_killed_by_a_signal_reports_128_plus_the_signal()
    {
        var init = Spawn("/bin/sleep", "30");
        var exit = ExitWatch.Start(init);
        Assert.False(exit.IsCompleted);
        ProcessCalls.kill(init.Pid, 9);
        Assert.Equal(137, await exit.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_child_that_exited_before_the_watch_reports_at_once()
    {
        var init = Spawn("/bin/sh", "-c", "exit 3");
        while (ProcStat.Read(init.Pid) is { State: not 'Z' }) await Task.Delay(10);
        var exit = ExitWatch.Start(init);
        Assert.True(exit.IsCompleted);
        Assert.Equal(3, await exit);
    }

    [Fact]
    public async Task A_process_that_is_not_our_child_reports_an_unknown_exit()
    {
        using var dir = new TempDir();
        string pidFile = Path.Join(dir.Path, "pid");
        // The shell starts a sleep in the background and exits: the sleep is its child, not ours.
        var shell = Spawn("/bin/sh", "-c", $"sleep 0.5 & echo $! > {pidFile}");
        ProcessCalls.waitpid(shell.Pid, out _, 0);
        int pid = int.Parse(File.ReadAllText(pidFile).Trim());
        var orphan = new InitProcess(pid, ProcStat.Read(pid)?.StartTime ?? 0);

        var exit = ExitWatch.Start(orphan);

        Assert.False(exit.IsCompleted);
        Assert.Null(await exit.WaitAsync(Patience));
        Assert.True(ProcStat.Read(pid) is null or { State: 'Z' or 'X' });
    }

    [Fact]
    public async Task A_pid_now_held_by_another_process_counts_as_exited()
    {
        var other = Spawn("/bin/sleep", "30");
        try
        {
            // The same PID with another start time: the init we knew is gone.
            var stale = new InitProcess(other.Pid, other.StartTime + 1);
            Assert.Null(await ExitWatch.Start(stale).WaitAsync(Patience));
        }
        finally
        {
            ProcessCalls.kill(other.Pid, 9);
            ProcessCalls.waitpid(other.Pid, out _, 0);
        }
    }
}
