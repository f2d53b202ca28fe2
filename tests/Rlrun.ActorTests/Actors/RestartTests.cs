using Rlrun.Actors;
using Rlrun.ActorTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rlrun.ActorTests.Actors;

public sealed class RestartTests(ITestOutputHelper output) : ActorTest(output)
{
    static readonly TimeSpan S1 = TimeSpan.FromSeconds(1), S2 = TimeSpan.FromSeconds(2), S4 = TimeSpan.FromSeconds(4), S8 = TimeSpan.FromSeconds(8);

    [Fact]
    public void On_failure_3_with_an_init_that_always_exits_1_starts_4_times_then_stops_with_exit_code_1()
    {
        Driver.ExitOnStart = (_, _) => 1;
        var actor = Created("job", RestartPolicy.Parse("on-failure:3"));

        Ask(actor, new Start("job"));
        ExpectState("job", LifecycleState.Created, LifecycleState.Running);
        ExpectExitThenRestart("job", 1, attempt: 1, S1);
        ExpectExitThenRestart("job", 1, attempt: 2, S2);
        ExpectExitThenRestart("job", 1, attempt: 3, S4);
        ExpectEvent(new ContainerExited("job", 1));
        ExpectState("job", LifecycleState.Running, LifecycleState.Stopped);

        Clock.Advance(TimeSpan.FromMinutes(10));
        Events.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(4, Driver.Starts("job"));
        var status = Status(actor, "job");
        Assert.Equal(LifecycleState.Stopped, status.State);
        Assert.Equal(1, status.LastExitCode);
        Assert.Equal(3, status.RestartCount);
        Assert.False(status.ManuallyStopped);
    }

    [Fact]
    public void A_zero_backoff_restarts_at_once_without_waiting_for_the_clock()
    {
        var actor = Sys.ActorOf(ContainerActor.Props("now", Driver, Store, Options));
        Ask(actor, new Create(Spec("now"), RestartPolicy.Always, new RestartBackoff(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(30))));
        ExpectState("now", LifecycleState.Creating, LifecycleState.Created);
        Ask(actor, new Start("now"));
        ExpectState("now", LifecycleState.Created, LifecycleState.Running);

        Driver.Exit("now", 1);
        ExpectEvent(new ContainerExited("now", 1));
        ExpectState("now", LifecycleState.Running, LifecycleState.Restarting);
        ExpectEvent(new ContainerRestarting("now", 1, TimeSpan.Zero));
        // The test scheduler's clock is not advanced: no timer stands between the exit and the start.
        ExpectState("now", LifecycleState.Restarting, LifecycleState.Running);
        Assert.Equal(2, Driver.Starts("now"));
    }

    [Fact]
    public void A_restart_deletes_the_old_state_and_creates_the_same_id_from_the_same_bundle()
    {
        Running("web", RestartPolicy.Always);
        Driver.Exit("web", 1);
        ExpectExitThenRestart("web", 1, attempt: 1, S1);

        var calls = Driver.Calls.Where(c => !c.StartsWith("watch"));
        Assert.Equal(["create web", "delete web force", "create web"], calls);
        Assert.True(Directory.Exists(Path.Join(StateRoot, "web")));
    }

    [Fact]
    public void On_failure_does_not_restart_after_exit_0()
    {
        var actor = Running("job", RestartPolicy.OnFailure());

        Driver.Exit("job", 0);

        ExpectEvent(new ContainerExited("job", 0));
        ExpectState("job", LifecycleState.Running, LifecycleState.Stopped);
        Assert.Equal(1, Driver.Starts("job"));
    }

    [Fact]
    public void On_failure_restarts_after_an_unknown_exit_code()
    {
        var actor = Running("job", RestartPolicy.OnFailure());
        Driver.Exit("job", null);
        ExpectExitThenRestart("job", null, attempt: 1, S1);
    }

    [Fact]
    public void Always_restarts_after_exit_0_and_after_a_kill()
    {
        var actor = Running("web", RestartPolicy.Always);

        Driver.Exit("web", 0);
        ExpectExitThenRestart("web", 0, attempt: 1, S1);

        Assert.Equal(LifecycleState.Running, Ask(actor, new Kill("web", 9)).State);
        ExpectExitThenRestart("web", 137, attempt: 2, S2);

        Assert.Equal(3, Driver.Starts("web"));
        Assert.Equal(2, Status(actor, "web").RestartCount);
    }

    [Fact]
    public void Unless_stopped_restarts_like_always()
    {
        Running("web", RestartPolicy.UnlessStopped);
        Driver.Exit("web", 0);
        ExpectExitThenRestart("web", 0, attempt: 1, S1);
    }

    [Fact]
    public void No_never_restarts()
    {
        var actor = Running("job", RestartPolicy.No);

        Driver.Exit("job", 1);

        ExpectEvent(new ContainerExited("job", 1));
        ExpectState("job", LifecycleState.Running, LifecycleState.Stopped);
        Clock.Advance(TimeSpan.FromHours(1));
        Events.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, Driver.Starts("job"));
        Assert.Equal(0, Status(actor, "job").RestartCount);
    }

    [Theory]
    [InlineData("always")]
    [InlineData("unless-stopped")]
    [InlineData("on-failure")]
    public void A_manual_stop_is_never_restarted(string policy)
    {
        var actor = Running("web", RestartPolicy.Parse(policy));

        var stopped = Ask(actor, new Stop("web"));

        Assert.Equal(LifecycleState.Stopped, stopped.State);
        Assert.Equal(143, stopped.LastExitCode);
        Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, Driver.Starts("web"));
        Assert.Equal(LifecycleState.Stopped, Status(actor, "web").State);
    }

    [Fact]
    public void Stop_while_waiting_to_restart_cancels_the_restart()
    {
        var actor = Running("web", RestartPolicy.Always);
        Driver.Exit("web", 1);
        ExpectEvent(new ContainerExited("web", 1));
        ExpectState("web", LifecycleState.Running, LifecycleState.Restarting);
        ExpectEvent(new ContainerRestarting("web", 1, S1));

        Assert.Equal(LifecycleState.Stopped, Ask(actor, new Stop("web")).State);
        ExpectState("web", LifecycleState.Restarting, LifecycleState.Stopped);

        Clock.Advance(TimeSpan.FromMinutes(5));
        Events.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, Driver.Starts("web"));
    }

    [Fact]
    public void A_restart_that_fails_to_start_counts_as_a_failed_attempt()
    {
        var actor = Running("web", RestartPolicy.OnFailure(2));
        Driver.FailStart = (_, n) => n >= 2 ? new IOException("rootfs is gone") : null;
        Driver.Exit("web", 1);
        ExpectEvent(new ContainerExited("web", 1));
        ExpectState("web", LifecycleState.Running, LifecycleState.Restarting);
        ExpectEvent(new ContainerRestarting("web", 1, S1));

        Clock.Advance(S1);
        ExpectEvent(new ContainerStartFailed("web", "rootfs is gone"));
        ExpectEvent(new ContainerRestarting("web", 2, S2));
        Clock.Advance(S2);
        ExpectEvent(new ContainerStartFailed("web", "rootfs is gone"));
        ExpectState("web", LifecycleState.Restarting, LifecycleState.Stopped);

        var status = Status(actor, "web");
        Assert.Equal(2, status.RestartCount);
        Assert.Equal("rootfs is gone", status.LastError);
        Assert.Equal(3, Driver.Starts("web"));
    }

    [Fact]
    public void Backoff_doubles_from_the_initial_delay_up_to_the_cap()
    {
        Driver.ExitOnStart = (_, n) => n <= 6 ? 1 : null;
        var actor = Created("web", RestartPolicy.Always);

        Ask(actor, new Start("web"));
        ExpectState("web", LifecycleState.Created, LifecycleState.Running);

        ExpectExitThenRestart("web", 1, attempt: 1, S1);
        ExpectExitThenRestart("web", 1, attempt: 2, S2);
        ExpectExitThenRestart("web", 1, attempt: 3, S4);
        ExpectExitThenRestart("web", 1, attempt: 4, S8);
        ExpectExitThenRestart("web", 1, attempt: 5, S8); // capped
        ExpectExitThenRestart("web", 1, attempt: 6, S8);
        Events.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(7, Driver.Starts("web"));
    }

    [Fact]
    public void Backoff_goes_back_to_the_initial_delay_after_a_long_enough_run()
    {
        var actor = Running("web", RestartPolicy.Always);
        Driver.Exit("web", 1);
        ExpectExitThenRestart("web", 1, attempt: 1, S1);
        Driver.Exit("web", 1);
        ExpectExitThenRestart("web", 1, attempt: 2, S2);

        // Shorter than ResetAfter (30 s): the backoff goes on.
        Clock.Advance(TimeSpan.FromSeconds(29));
        Driver.Exit("web", 1);
        ExpectExitThenRestart("web", 1, attempt: 3, S4);

        // As long as ResetAfter: healthy, back to the start.
        Clock.Advance(TimeSpan.FromSeconds(30));
        Driver.Exit("web", 1);
        ExpectExitThenRestart("web", 1, attempt: 4, S1);
        Driver.Exit("web", 1);
        ExpectExitThenRestart("web", 1, attempt: 5, S2);
    }

    [Fact]
    public void A_manual_start_resets_the_restart_count()
    {
        Driver.ExitOnStart = (_, n) => n <= 2 ? 1 : null;
        var actor = Created("job", RestartPolicy.OnFailure(1));
        Ask(actor, new Start("job"));
        ExpectState("job", LifecycleState.Created, LifecycleState.Running);
        ExpectExitThenRestart("job", 1, attempt: 1, S1);
        ExpectEvent(new ContainerExited("job", 1));
        ExpectState("job", LifecycleState.Running, LifecycleState.Stopped);

        var again = Ask(actor, new Start("job"));

        Assert.Equal(LifecycleState.Running, again.State);
        Assert.Equal(0, again.RestartCount);
    }

    [Fact]
    public void A_create_with_its_own_backoff_uses_it()
    {
        var actor = Sys.ActorOf(ContainerActor.Props("web", Driver, Store, Options));
        var fast = new RestartBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        Ask(actor, new Create(Spec("web"), RestartPolicy.Always, fast));
        Ask(actor, new Start("web"));
        ExpectState("web", LifecycleState.Creating, LifecycleState.Created);
        ExpectState("web", LifecycleState.Created, LifecycleState.Running);

        Driver.Exit("web", 1);
        ExpectExitThenRestart("web", 1, attempt: 1, TimeSpan.FromMilliseconds(100));
    }
}
