using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Rlrun.Actors;
using Xunit.Abstractions;

namespace Rlrun.ActorTests.Support;

/// <summary>A TestKit on rlrun's own actor system configuration, with the TestKit's scheduler: time
/// moves only when a test calls Clock.Advance, so backoff delays are exact and instant.</summary>
public abstract class ActorTest : Akka.TestKit.Xunit2.TestKit
{
    // single-expect-default: how long ExpectMsg and AwaitAssert wait for what must come (they end as
    // soon as it does): the TestKit's 3 s is within reach of a loaded 2-core machine.
    static readonly Config TestConfig = ActorSystemFactory.BuildConfig(new ActorSystemSettings
    {
        ExtraHocon = """
            akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit"
            akka.test.single-expect-default = 20s
            """,
    });

    protected static readonly RestartBackoff Backoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(30));
    protected static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    readonly TempDir _root = new();

    protected ActorTest(ITestOutputHelper output) : base(TestConfig, "rlrun-test", output)
    {
        Driver = new FakeContainerDriver(_root.Path);
        Store = new SupervisionStore(_root.Path);
        Events = CreateTestProbe("events");
        Sys.EventStream.Subscribe(Events.Ref, typeof(IContainerEvent));
    }

    protected TestScheduler Clock => (TestScheduler)Sys.Scheduler;
    protected FakeContainerDriver Driver { get; }
    protected SupervisionStore Store { get; }
    protected string StateRoot => _root.Path;
    /// <summary>Every IContainerEvent published, in order.</summary>
    protected TestProbe Events { get; }
    protected SupervisionOptions Options { get; } = new(Backoff, StopTimeout);

    protected static ContainerSpec Spec(string id) => new(id, $"/bundles/{id}");

    /// <summary>A container actor, created (Creating -> Created) with the policy.</summary>
    protected IActorRef Created(string id, RestartPolicy policy)
    {
        var actor = Sys.ActorOf(ContainerActor.Props(id, Driver, Store, Options));
        var snapshot = Ask(actor, new Create(Spec(id), policy));
        Assert.Equal(LifecycleState.Created, snapshot.State);
        ExpectState(id, LifecycleState.Creating, LifecycleState.Created);
        return actor;
    }

    /// <summary>A container actor, created and started.</summary>
    protected IActorRef Running(string id, RestartPolicy policy)
    {
        var actor = Created(id, policy);
        var snapshot = Ask(actor, new Start(id));
        Assert.Equal(LifecycleState.Running, snapshot.State);
        ExpectState(id, LifecycleState.Created, LifecycleState.Running);
        return actor;
    }

    protected static ContainerSnapshot Ask(IActorRef actor, object message) =>
        actor.Ask<ContainerSnapshot>(message, TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();

    protected static ContainerCommandException Refused(IActorRef actor, object message) =>
        Assert.Throws<ContainerCommandException>(() => Ask(actor, message));

    protected ContainerSnapshot Status(IActorRef actor, string id) => Ask(actor, new GetStatus(id));

    protected void ExpectState(string id, LifecycleState from, LifecycleState to) =>
        Assert.Equal(new ContainerStateChanged(id, from, to), Events.ExpectMsg<IContainerEvent>());

    protected void ExpectEvent(IContainerEvent expected) => Assert.Equal(expected, Events.ExpectMsg<IContainerEvent>());

    /// <summary>Waits for the restart to be scheduled, checks its attempt and delay, and moves the
    /// clock past it: the container is started again.</summary>
    protected void ExpectRestartAndAdvance(string id, int attempt, TimeSpan delay)
    {
        ExpectEvent(new ContainerRestarting(id, attempt, delay));
        Clock.Advance(delay);
        ExpectState(id, LifecycleState.Restarting, LifecycleState.Running);
    }

    /// <summary>The events of an exit that the policy follows with a restart.</summary>
    protected void ExpectExitThenRestart(string id, int? exitCode, int attempt, TimeSpan delay)
    {
        ExpectEvent(new ContainerExited(id, exitCode));
        ExpectState(id, LifecycleState.Running, LifecycleState.Restarting);
        ExpectRestartAndAdvance(id, attempt, delay);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _root.Dispose();
    }
}
