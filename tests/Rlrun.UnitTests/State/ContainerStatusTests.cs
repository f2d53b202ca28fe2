using System.Diagnostics;
using Rlrun.Runtime.Interop;
using Rlrun.Runtime.State;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.State;

public class ContainerStatusTests : IDisposable
{
    readonly TempDir _tmp = new();
    readonly StateStore _store;

    public ContainerStatusTests()
    {
        _store = new StateStore(_tmp.Path);
        _store.CreateDir("web");
    }

    public void Dispose() => _tmp.Dispose();

    static ContainerState Ours(string status = ContainerStatus.Running) => new()
    {
        Id = "web", Status = status, Pid = Environment.ProcessId,
        InitStartTime = ProcStat.Read(Environment.ProcessId)!.Value.StartTime,
    };

    void MakeFifo() => Assert.Equal(0, FileCalls.mkfifo(Path.Join(_store.DirOf("web"), StateStore.FifoFile), 0x180));

    static int DeadPid()
    {
        using var p = Process.Start("/bin/true");
        p.WaitForExit();
        return p.Id;
    }

    [Fact]
    public void An_init_that_exited_is_stopped_whatever_the_file_says()
    {
        var state = Ours(ContainerStatus.Created);
        state.Pid = DeadPid();
        MakeFifo();
        Assert.Equal(ContainerStatus.Stopped, ContainerStatus.Of(state, _store));
        Assert.False(ContainerStatus.InitAlive(state));
    }

    [Fact]
    public void A_live_init_with_the_exec_fifo_is_created()
    {
        MakeFifo();
        Assert.Equal(ContainerStatus.Created, ContainerStatus.Of(Ours(), _store));
    }

    [Fact]
    public void A_live_init_without_the_exec_fifo_is_running()
    {
        Assert.Equal(ContainerStatus.Running, ContainerStatus.Of(Ours(ContainerStatus.Created), _store));
        Assert.True(ContainerStatus.InitAlive(Ours()));
    }

    [Fact]
    public void A_reused_pid_with_another_start_time_is_stopped()
    {
        var state = Ours();
        state.InitStartTime += 1;
        Assert.Equal(ContainerStatus.Stopped, ContainerStatus.Of(state, _store));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void No_pid_is_stopped(int pid)
    {
        var state = Ours();
        state.Pid = pid;
        Assert.Equal(ContainerStatus.Stopped, ContainerStatus.Of(state, _store));
    }

    [Fact]
    public void Creating_stays_creating()
    {
        var state = Ours(ContainerStatus.Creating);
        state.Pid = 0;
        Assert.Equal(ContainerStatus.Creating, ContainerStatus.Of(state, _store));
    }
}
