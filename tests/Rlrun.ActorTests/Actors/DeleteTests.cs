using Akka.Actor;
using Rlrun.Actors;
using Rlrun.ActorTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rlrun.ActorTests.Actors;

public sealed class DeleteTests(ITestOutputHelper output) : ActorTest(output)
{
    void ExpectDeleted(IActorRef actor, string id, LifecycleState from, bool force = false)
    {
        Watch(actor);
        var deleted = Ask(actor, new Delete(id, force));
        Assert.Equal(LifecycleState.Deleted, deleted.State);
        Assert.Equal(new ContainerStateChanged(id, from, LifecycleState.Deleted), Events.FishForMessage<IContainerEvent>(e => e is ContainerStateChanged { To: LifecycleState.Deleted }));
        ExpectTerminated(actor);
        Assert.False(Directory.Exists(Path.Join(StateRoot, id)));
    }

    [Fact]
    public void Delete_of_a_created_container_needs_no_driver_call()
    {
        // Nothing was created in the runtime yet; a container of that ID there would be someone else's.
        var actor = Created("web", RestartPolicy.Always);
        ExpectDeleted(actor, "web", LifecycleState.Created);
        Assert.Empty(Driver.Calls);
    }

    [Fact]
    public void Delete_of_a_running_container_needs_force()
    {
        var actor = Running("web", RestartPolicy.Always);

        var e = Refused(actor, new Delete("web"));
        Assert.Equal("delete web: the container is running: stop it first, or delete with force", e.Message);

        ExpectDeleted(actor, "web", LifecycleState.Running, force: true);
        Assert.Equal("delete web force", Driver.Calls[^1]);
        Assert.Equal(1, Driver.Starts("web")); // the kill that delete did is not followed by a restart
    }

    [Fact]
    public void Delete_of_a_paused_container_with_force()
    {
        var actor = Running("web", RestartPolicy.Always);
        Ask(actor, new Pause("web"));
        ExpectState("web", LifecycleState.Running, LifecycleState.Paused);
        ExpectDeleted(actor, "web", LifecycleState.Paused, force: true);
        Assert.Contains("delete web force", Driver.Calls);
    }

    [Fact]
    public async Task Delete_while_stopping_answers_the_stop_too()
    {
        var actor = Running("web", RestartPolicy.Always);
        Driver.FatalSignals.Clear();
        var stop = actor.Ask<ContainerSnapshot>(new Stop("web"), TimeSpan.FromSeconds(5));
        ExpectState("web", LifecycleState.Running, LifecycleState.Stopping);

        ExpectDeleted(actor, "web", LifecycleState.Stopping, force: true);

        Assert.Equal(LifecycleState.Deleted, (await stop).State);
        Clock.Advance(StopTimeout);
        Assert.DoesNotContain("signal web 9 all", Driver.Calls);
    }

    [Fact]
    public void Delete_while_restarting_cancels_the_restart()
    {
        var actor = Running("web", RestartPolicy.Always);
        Driver.Exit("web", 1);
        ExpectEvent(new ContainerExited("web", 1));
        ExpectState("web", LifecycleState.Running, LifecycleState.Restarting);
        ExpectEvent(new ContainerRestarting("web", 1, TimeSpan.FromSeconds(1)));

        ExpectDeleted(actor, "web", LifecycleState.Restarting);

        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, Driver.Starts("web"));
        Assert.Equal("delete web force", Driver.Calls[^1]);
    }

    [Fact]
    public void Delete_of_a_stopped_container()
    {
        var actor = Running("web", RestartPolicy.No);
        Driver.Exit("web", 0);
        ExpectEvent(new ContainerExited("web", 0));
        ExpectState("web", LifecycleState.Running, LifecycleState.Stopped);

        ExpectDeleted(actor, "web", LifecycleState.Stopped);
        Assert.Equal("delete web force", Driver.Calls[^1]);
    }

    [Fact]
    public void A_failed_delete_is_answered_and_leaves_the_state_as_it_was()
    {
        var failing = new FailingDeleteDriver(Driver);
        var actor = Sys.ActorOf(ContainerActor.Props("web", failing, Store, Options));
        Ask(actor, new Create(Spec("web"), RestartPolicy.No));
        Ask(actor, new Start("web"));

        var e = Refused(actor, new Delete("web", Force: true));

        Assert.Equal("delete web: container init 1001 did not exit within 10s of SIGKILL", e.Message);
        Assert.Equal(LifecycleState.Running, Status(actor, "web").State);
    }

    sealed class FailingDeleteDriver(FakeContainerDriver inner) : IContainerDriver
    {
        public InitProcess CreateAndStart(ContainerSpec spec) => inner.CreateAndStart(spec);
        public void Signal(string id, int signal, bool all) => inner.Signal(id, signal, all);
        public void Delete(string id, bool force) => throw new TimeoutException($"container init {inner.PidOf(id)} did not exit within 10s of SIGKILL");
        public void Pause(string id) => inner.Pause(id);
        public void Resume(string id) => inner.Resume(id);
        public int Exec(Rlrun.Runtime.Container.ExecOptions options) => inner.Exec(options);
        public ObservedContainer? Observe(string id) => inner.Observe(id);
        public Task<int?> WatchExit(InitProcess init) => inner.WatchExit(init);
    }
}
