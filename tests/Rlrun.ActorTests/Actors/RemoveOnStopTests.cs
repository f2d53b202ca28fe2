using Akka.Actor;
using Rlrun.Actors;
using Rlrun.ActorTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rlrun.ActorTests.Actors;

/// <summary>`run -d --rm`: a container whose spec has Remove says, once it has stopped for good,
/// that its removal is due (the daemon then runs rlrun delete); one without Remove never does.</summary>
public sealed class RemoveOnStopTests(ITestOutputHelper output) : ActorTest(output)
{
    IActorRef RunningWithRemove(string id, RestartPolicy policy)
    {
        var actor = Sys.ActorOf(ContainerActor.Props(id, Driver, Store, Options));
        Ask(actor, new Create(Spec(id) with { Remove = true }, policy));
        ExpectState(id, LifecycleState.Creating, LifecycleState.Created);
        Ask(actor, new Start(id));
        ExpectState(id, LifecycleState.Created, LifecycleState.Running);
        return actor;
    }

    [Fact]
    public void An_exit_of_a_remove_container_makes_its_removal_due()
    {
        RunningWithRemove("rm1", RestartPolicy.No);
        Driver.Exit("rm1", 3);
        ExpectEvent(new ContainerExited("rm1", 3));
        ExpectState("rm1", LifecycleState.Running, LifecycleState.Stopped);
        ExpectEvent(new ContainerRemovalDue("rm1"));
        // The record keeps it: a daemon that adopts the stopped container removes it too.
        Assert.True(Store.LoadAll(_ => { }).Single(r => r.Spec.Id == "rm1").Spec.Remove);
    }

    [Fact]
    public void A_stop_of_a_remove_container_makes_its_removal_due()
    {
        var actor = RunningWithRemove("rm2", RestartPolicy.No);
        var stopped = Ask(actor, new Stop("rm2"));
        Assert.Equal(LifecycleState.Stopped, stopped.State);
        ExpectState("rm2", LifecycleState.Running, LifecycleState.Stopping);
        ExpectEvent(new ContainerExited("rm2", 143));
        ExpectState("rm2", LifecycleState.Stopping, LifecycleState.Stopped);
        ExpectEvent(new ContainerRemovalDue("rm2"));
    }

    [Fact]
    public void An_exit_of_a_container_without_remove_makes_no_removal_due()
    {
        Running("keep", RestartPolicy.No);
        Driver.Exit("keep", 0);
        ExpectEvent(new ContainerExited("keep", 0));
        ExpectState("keep", LifecycleState.Running, LifecycleState.Stopped);
        Events.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }
}
