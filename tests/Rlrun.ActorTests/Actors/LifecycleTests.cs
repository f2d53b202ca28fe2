using Akka.Actor;
using Rlrun.Actors;
using Rlrun.ActorTests.Support;
using Rlrun.Runtime.Container;
using Xunit;
using Xunit.Abstractions;

namespace Rlrun.ActorTests.Actors;

public sealed class LifecycleTests(ITestOutputHelper output) : ActorTest(output)
{
    [Fact]
    public void Create_start_stop_goes_through_each_state_and_publishes_each_transition_in_order()
    {
        var actor = Running("web", RestartPolicy.Always);
        Assert.Equal(["create web", $"watch {Driver.PidOf("web")}"], Driver.Calls);

        var stopped = Ask(actor, new Stop("web"));

        Assert.Equal(LifecycleState.Stopped, stopped.State);
        Assert.Equal(143, stopped.LastExitCode);
        Assert.True(stopped.ManuallyStopped);
        ExpectState("web", LifecycleState.Running, LifecycleState.Stopping);
        ExpectEvent(new ContainerExited("web", 143));
        ExpectState("web", LifecycleState.Stopping, LifecycleState.Stopped);
        Events.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Contains("signal web 15", Driver.Calls);
    }

    [Fact]
    public async Task Stop_answers_once_the_container_has_exited()
    {
        var actor = Running("web", RestartPolicy.No);
        Driver.FatalSignals.Clear();

        var reply = actor.Ask<ContainerSnapshot>(new Stop("web"), TimeSpan.FromSeconds(5));
        ExpectState("web", LifecycleState.Running, LifecycleState.Stopping);
        await Task.Delay(100);
        Assert.False(reply.IsCompleted);

        Driver.Exit("web", 0);
        Assert.Equal(LifecycleState.Stopped, (await reply).State);
    }

    [Fact]
    public void Stop_sends_sigkill_to_all_after_the_timeout()
    {
        var actor = Running("web", RestartPolicy.Always);
        Driver.FatalSignals.Remove(15); // it ignores SIGTERM
        actor.Tell(new Stop("web", Timeout: TimeSpan.FromSeconds(3)), TestActor);
        ExpectState("web", LifecycleState.Running, LifecycleState.Stopping);

        Clock.Advance(TimeSpan.FromSeconds(2));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.DoesNotContain("signal web 9 all", Driver.Calls);

        Clock.Advance(TimeSpan.FromSeconds(1));
        var stopped = ExpectMsg<ContainerSnapshot>();
        Assert.Equal(LifecycleState.Stopped, stopped.State);
        Assert.Equal(137, stopped.LastExitCode);
        Assert.Contains("signal web 9 all", Driver.Calls);
    }

    [Fact]
    public void Pause_and_resume_move_between_running_and_paused()
    {
        var actor = Running("web", RestartPolicy.No);

        Assert.Equal(LifecycleState.Paused, Ask(actor, new Pause("web")).State);
        ExpectState("web", LifecycleState.Running, LifecycleState.Paused);
        Assert.Equal("pause web: the container is paused", Refused(actor, new Pause("web")).Message);

        Assert.Equal(LifecycleState.Running, Ask(actor, new Resume("web")).State);
        ExpectState("web", LifecycleState.Paused, LifecycleState.Running);
        Assert.Equal(["pause web", "resume web"], Driver.Calls.Where(c => c.StartsWith("pause") || c.StartsWith("resume")));
    }

    [Fact]
    public void Stop_of_a_paused_container_thaws_it_before_the_signal()
    {
        var actor = Running("web", RestartPolicy.Always);
        Ask(actor, new Pause("web"));

        Assert.Equal(LifecycleState.Stopped, Ask(actor, new Stop("web")).State);

        var calls = Driver.Calls.ToList();
        Assert.True(calls.IndexOf("resume web") < calls.IndexOf("signal web 15"));
    }

    [Fact]
    public void An_exit_while_paused_goes_through_the_policy()
    {
        var actor = Running("web", RestartPolicy.No);
        Ask(actor, new Pause("web"));
        ExpectState("web", LifecycleState.Running, LifecycleState.Paused);

        Driver.Exit("web", 137);

        ExpectEvent(new ContainerExited("web", 137));
        ExpectState("web", LifecycleState.Paused, LifecycleState.Stopped);
    }

    [Fact]
    public void Commands_that_do_not_fit_the_state_are_refused_with_the_reason()
    {
        var actor = Created("web", RestartPolicy.No);

        var e = Refused(actor, new Kill("web", 15));
        Assert.Equal("kill", e.Command);
        Assert.Equal("kill web: the container was never started", e.Message);
        Refused(actor, new Pause("web"));
        Refused(actor, new Exec(new ExecOptions("web", null, ["true"])));

        Ask(actor, new Start("web"));
        Assert.Equal("start web: the container is running", Refused(actor, new Start("web")).Message);
        Refused(actor, new Resume("web"));
        Assert.Equal(LifecycleState.Running, Status(actor, "web").State);
    }

    [Fact]
    public void A_failed_start_is_answered_with_the_error_and_leaves_the_container_created()
    {
        Driver.FailStart = (_, _) => new InvalidOperationException("config.json: field process: missing");
        var actor = Created("web", RestartPolicy.Always);

        var e = Refused(actor, new Start("web"));

        Assert.Equal("start web: config.json: field process: missing", e.Message);
        ExpectEvent(new ContainerStartFailed("web", "config.json: field process: missing"));
        var status = Status(actor, "web");
        Assert.Equal(LifecycleState.Created, status.State);
        Assert.Equal("config.json: field process: missing", status.LastError);
        Clock.Advance(TimeSpan.FromMinutes(10));
        Events.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Start_from_stopped_deletes_the_old_state_and_creates_again()
    {
        var actor = Running("web", RestartPolicy.No);
        Driver.Exit("web", 0);
        ExpectEvent(new ContainerExited("web", 0));
        ExpectState("web", LifecycleState.Running, LifecycleState.Stopped);

        var again = Ask(actor, new Start("web"));

        Assert.Equal(LifecycleState.Running, again.State);
        Assert.Equal(2, Driver.Starts("web"));
        var calls = Driver.Calls;
        Assert.Equal(["create web", "delete web force", "create web"], calls.Where(c => !c.StartsWith("watch")));
    }

    [Fact]
    public void Create_refuses_an_invalid_id()
    {
        var actor = Sys.ActorOf(ContainerActor.Props("../x", Driver, Store, Options));
        Watch(actor);

        var e = Refused(actor, new Create(new ContainerSpec("../x", "/b"), RestartPolicy.No));

        Assert.Contains("must not contain '/' or '..'", e.Message);
        ExpectTerminated(actor);
    }

    [Fact]
    public void Kill_signals_through_the_driver_and_answers_the_status()
    {
        var actor = Running("web", RestartPolicy.No);
        Driver.FatalSignals.Clear();

        var s = Ask(actor, new Kill("web", 10, All: true));

        Assert.Equal(LifecycleState.Running, s.State);
        Assert.Contains("signal web 10 all", Driver.Calls);
    }

    [Fact]
    public async Task Exec_runs_off_the_actor_and_answers_the_exit_code()
    {
        var actor = Running("web", RestartPolicy.No);
        Driver.ExecResult = o => o.Args.Count;

        var done = await actor.Ask<ExecCompleted>(new Exec(new ExecOptions("web", null, ["sh", "-c", "exit 3"])), TimeSpan.FromSeconds(5));

        Assert.Equal(new ExecCompleted("web", 3), done);
        Assert.Contains("exec web sh -c exit 3", Driver.Calls);
    }

    [Fact]
    public void A_late_exit_of_a_replaced_init_is_ignored()
    {
        var actor = Running("web", RestartPolicy.No);
        int pid = Driver.PidOf("web");

        actor.Tell(new ProcessExited(pid + 100, 1, Clock.Now));

        Events.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(LifecycleState.Running, Status(actor, "web").State);
    }
}
