using System.Diagnostics;
using Rlrun.Runtime.Process;
using Xunit;

namespace Rlrun.UnitTests.Processes;

/// <summary>The init's --debug lines travel stamped with its monotonic clock; stage 0 says them on
/// its own scale, so `bench/startup.sh --profile` can put both processes on one time line.</summary>
public sealed class DebugClockTests
{
    [Fact]
    public void A_stamped_line_is_said_at_its_stamp_not_at_its_arrival()
    {
        long stamp = Stopwatch.GetTimestamp();
        double expected = DebugClock.Milliseconds(stamp);
        string said = DebugClock.Unstamp(DebugClock.Stamp("init: started", stamp));
        Assert.StartsWith("init: started (at ", said);
        Assert.EndsWith("ms in the init)", said);
        double at = double.Parse(said["init: started (at ".Length..^"ms in the init)".Length], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(at, expected - 0.1, expected + 0.1);
    }

    [Fact]
    public void An_unstamped_line_passes_as_it_is()
    {
        Assert.Equal("init: rootfs built", DebugClock.Unstamp("init: rootfs built"));
        Assert.Equal("12x other", DebugClock.Unstamp("12x other"));
    }
}
