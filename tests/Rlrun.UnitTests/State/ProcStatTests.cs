using System.Diagnostics;
using Rlrun.Runtime.State;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.State;

public class ProcStatTests
{
    const double ClockTicksPerSecond = 100; // USER_HZ: /proc reports times in it on every architecture

    [Fact]
    public void Our_own_process_is_running_or_sleeping_with_a_start_time()
    {
        var stat = ProcStat.Read(Environment.ProcessId);
        Assert.NotNull(stat);
        Assert.Contains(stat.Value.State, "RS");
        Assert.NotEqual(0UL, stat.Value.StartTime);
        Assert.Equal(stat.Value.StartTime, ProcStat.Read(Environment.ProcessId)!.Value.StartTime);
    }

    [Fact]
    public void The_start_time_is_field_22_the_ticks_since_boot()
    {
        ulong ticks = ProcStat.Read(Environment.ProcessId)!.Value.StartTime;
        long btime = long.Parse(File.ReadLines("/proc/stat").First(l => l.StartsWith("btime ")).Split(' ')[1]);
        var fromStat = DateTimeOffset.FromUnixTimeSeconds(btime).AddSeconds(ticks / ClockTicksPerSecond);
        var fromRuntime = new DateTimeOffset(Process.GetCurrentProcess().StartTime.ToUniversalTime());
        Assert.InRange((fromStat - fromRuntime).Duration().TotalSeconds, 0, 2);
    }

    [Fact]
    public void A_command_name_with_spaces_and_parentheses_is_parsed()
    {
        using var dir = new TempDir();
        string exe = dir.Join("a) b (c");
        File.Copy("/bin/sleep", exe);
        File.SetUnixFileMode(exe, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        using var child = Process.Start(exe, "30");
        try
        {
            ProcStat? stat = null;
            for (int i = 0; i < 100 && stat is not { State: 'S' }; i++)
            {
                stat = ProcStat.Read(child.Id);
                Thread.Sleep(20);
            }
            Assert.Equal('S', stat?.State);
            Assert.True(stat!.Value.StartTime >= ProcStat.Read(Environment.ProcessId)!.Value.StartTime);
            Assert.Contains("a) b (c", File.ReadAllText($"/proc/{child.Id}/stat"));
        }
        finally
        {
            child.Kill();
            child.WaitForExit();
        }
    }

    [Fact]
    public void A_process_that_does_not_exist_reads_as_null()
    {
        Assert.Null(ProcStat.Read(int.MaxValue));
    }
}
