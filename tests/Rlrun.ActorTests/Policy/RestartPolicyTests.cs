using Rlrun.Actors;
using Xunit;

namespace Rlrun.ActorTests.Policy;

public sealed class RestartPolicyTests
{
    [Theory]
    [InlineData("no", RestartMode.No, null)]
    [InlineData("always", RestartMode.Always, null)]
    [InlineData("unless-stopped", RestartMode.UnlessStopped, null)]
    [InlineData("on-failure", RestartMode.OnFailure, null)]
    [InlineData("on-failure:3", RestartMode.OnFailure, 3)]
    [InlineData("on-failure:0", RestartMode.OnFailure, null)] // docker: 0 is no limit
    [InlineData(" always ", RestartMode.Always, null)]
    public void Parses_the_policies(string text, RestartMode mode, int? max)
    {
        Assert.Equal(new RestartPolicy(mode, max), RestartPolicy.Parse(text));
    }

    [Theory]
    [InlineData("on-failure:3")]
    [InlineData("on-failure")]
    [InlineData("no")]
    [InlineData("always")]
    [InlineData("unless-stopped")]
    public void Writes_what_it_parses(string text) => Assert.Equal(text, RestartPolicy.Parse(text).ToString());

    [Theory]
    [InlineData("sometimes", "invalid restart policy \"sometimes\": expected no, on-failure[:MAX], always or unless-stopped")]
    [InlineData("", "invalid restart policy \"\": expected no, on-failure[:MAX], always or unless-stopped")]
    [InlineData("Always", "invalid restart policy \"Always\": expected no, on-failure[:MAX], always or unless-stopped")]
    [InlineData("on-failure:x", "invalid restart policy \"on-failure:x\": the retry count \"x\" is not a non-negative integer")]
    [InlineData("on-failure:-1", "invalid restart policy \"on-failure:-1\": the retry count \"-1\" is not a non-negative integer")]
    [InlineData("on-failure:", "invalid restart policy \"on-failure:\": the retry count \"\" is not a non-negative integer")]
    [InlineData("always:3", "invalid restart policy \"always:3\": only on-failure takes a retry count (on-failure:MAX)")]
    [InlineData("no:1", "invalid restart policy \"no:1\": only on-failure takes a retry count (on-failure:MAX)")]
    public void Refuses_anything_else_saying_what_is_accepted(string text, string error)
    {
        Assert.False(RestartPolicy.TryParse(text, out _, out string? message));
        Assert.Equal(error, message);
        Assert.Equal(error, Assert.Throws<FormatException>(() => RestartPolicy.Parse(text)).Message);
    }

    [Theory]
    [InlineData("no", 1, 0, false)]
    [InlineData("on-failure", 0, 0, false)]
    [InlineData("on-failure", 1, 100, true)]
    [InlineData("on-failure", null, 0, true)]
    [InlineData("on-failure:2", 1, 1, true)]
    [InlineData("on-failure:2", 1, 2, false)]
    [InlineData("always", 0, 1000, true)]
    [InlineData("unless-stopped", 0, 1000, true)]
    public void Decides_restarts_after_an_exit(string policy, int? exitCode, int restarts, bool restart)
    {
        Assert.Equal(restart, RestartPolicy.Parse(policy).RestartsAfterExit(exitCode, restarts));
    }
}

public sealed class RestartBackoffTests
{
    [Fact]
    public void Doubles_from_the_initial_delay_and_stops_at_the_cap()
    {
        var b = new RestartBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        Assert.Equal([100, 200, 400, 800, 1000, 1000], Enumerable.Range(0, 6).Select(i => b.DelayFor(i).TotalMilliseconds));
        Assert.Equal(TimeSpan.FromSeconds(1), b.DelayFor(10_000)); // no overflow
        Assert.Equal(TimeSpan.FromMilliseconds(100), b.DelayFor(-1));
    }

    [Fact]
    public void A_run_as_long_as_ResetAfter_is_healthy()
    {
        var b = RestartBackoff.Default;
        Assert.False(b.IsHealthyRun(TimeSpan.FromSeconds(9.9)));
        Assert.True(b.IsHealthyRun(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void A_zero_initial_delay_restarts_at_once() =>
        Assert.Equal(TimeSpan.Zero, new RestartBackoff(TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.Zero).DelayFor(5));
}
