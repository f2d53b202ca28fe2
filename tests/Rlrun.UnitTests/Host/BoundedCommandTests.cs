using System.Diagnostics;
using Rlrun.Runtime.Host;
using Xunit;

namespace Rlrun.UnitTests.Host;

public class BoundedCommandTests
{
    static readonly string[] Env = ["PATH=/usr/bin:/bin"];

    [Fact]
    public void Captures_stdout_stderr_and_the_exit_code()
    {
        var o = BoundedCommand.Run("/bin/sh", ["sh", "-c", "echo out; echo err >&2; exit 3"], Env, TimeSpan.FromSeconds(10));
        Assert.Equal(new CommandOutcome(3, "out\n", "err\n", false), o);
    }

    [Fact]
    public void Stdin_is_empty()
    {
        var o = BoundedCommand.Run("/bin/sh", ["sh", "-c", "cat; echo done"], Env, TimeSpan.FromSeconds(10));
        Assert.Equal("done\n", o.Stdout);
    }

    [Fact]
    public void A_hang_is_killed_with_its_children_at_the_deadline()
    {
        var sw = Stopwatch.StartNew();
        var o = BoundedCommand.Run("/bin/sh", ["sh", "-c", "echo started; sleep 30 & sleep 30"], Env, TimeSpan.FromSeconds(3));
        Assert.True(o.TimedOut);
        Assert.Equal("started\n", o.Stdout);
        Assert.Equal(128 + 9, o.ExitCode);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"took {sw.Elapsed}");
    }
}
