using Akka.Actor;
using Rlrun.Actors;
using Rlrun.ActorTests.Support;
using Rlrun.Runtime.State;
using Xunit;
using Xunit.Abstractions;

namespace Rlrun.ActorTests.Supervision;

public sealed class ContainerSupervisorTests(ITestOutputHelper output) : ActorTest(output)
{
    IActorRef NewSupervisor() => Sys.ActorOf(ContainerSupervisor.Props(Driver, Store, Options), "supervisor");

    static T AskFor<T>(IActorRef actor, object message) => actor.Ask<T>(message, TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();

    [Fact]
    public void Creates_containers_by_id_and_routes_their_commands()
    {
        var supervisor = NewSupervisor();

        Assert.Equal(LifecycleState.Created, Ask(supervisor, new Create(Spec("web"), RestartPolicy.Always)).State);
        Assert.Equal(LifecycleState.Created, Ask(supervisor, new Create(Spec("db"), RestartPolicy.No)).State);
        Assert.Equal(LifecycleState.Running, Ask(supervisor, new Start("web")).State);

        Assert.Equal(LifecycleState.Running, Ask(supervisor, new GetStatus("web")).State);
        var found = AskFor<ContainerFound>(supervisor, new FindContainer("web"));
        Assert.NotNull(found.Actor);
        Assert.Equal(LifecycleState.Running, Ask(found.Actor!, new GetStatus("web")).State);
        Assert.Null(AskFor<ContainerFound>(supervisor, new FindContainer("nope")).Actor);
    }

    [Fact]
    public void Lists_every_container_with_its_latest_state()
    {
        var supervisor = NewSupervisor();
        Ask(supervisor, new Create(Spec("web"), RestartPolicy.Always));
        Ask(supervisor, new Create(Spec("db"), RestartPolicy.No));
        Ask(supervisor, new Start("web"));

        AwaitAssert(() =>
        {
            var list = AskFor<ContainerList>(supervisor, ListContainers.Instance).Containers;
            Assert.Equal(["db", "web"], list.Select(c => c.Id));
            Assert.Equal([LifecycleState.Created, LifecycleState.Running], list.Select(c => c.State));
            Assert.Equal(Driver.PidOf("web"), list[1].Pid);
        });
    }

    [Fact]
    public void Refuses_a_second_container_of_one_id_and_commands_for_unknown_ids()
    {
        var supervisor = NewSupervisor();
        Ask(supervisor, new Create(Spec("web"), RestartPolicy.Always));

        Assert.Equal("create web: a container with this ID is already supervised",
            Refused(supervisor, new Create(Spec("web"), RestartPolicy.No)).Message);
        Assert.Equal("start nope: no such container is supervised", Refused(supervisor, new Start("nope")).Message);
        Assert.Contains("only letters, digits", Refused(supervisor, new Create(Spec("a b"), RestartPolicy.No)).Message);
    }

    [Fact]
    public void An_id_can_be_created_again_right_after_its_delete()
    {
        var supervisor = NewSupervisor();
        Ask(supervisor, new Create(Spec("web"), RestartPolicy.Always));
        Ask(supervisor, new Start("web"));

        Assert.Equal(LifecycleState.Deleted, Ask(supervisor, new Delete("web", Force: true)).State);
        Assert.Equal(LifecycleState.Created, Ask(supervisor, new Create(Spec("web"), RestartPolicy.No)).State);
        Assert.Equal(LifecycleState.Running, Ask(supervisor, new Start("web")).State);
        Assert.Equal(2, Driver.Starts("web"));
    }

    [Fact]
    public void Supervises_restarts_of_its_containers()
    {
        var supervisor = NewSupervisor();
        Ask(supervisor, new Create(Spec("web"), RestartPolicy.OnFailure(3)));
        Ask(supervisor, new Start("web"));
        ExpectState("web", LifecycleState.Creating, LifecycleState.Created);
        ExpectState("web", LifecycleState.Created, LifecycleState.Running);

        Driver.Exit("web", 2);
        ExpectExitThenRestart("web", 2, attempt: 1, TimeSpan.FromSeconds(1));

        var status = Ask(supervisor, new GetStatus("web"));
        Assert.Equal(1, status.RestartCount);
        Assert.Equal(2, status.LastExitCode);
    }

    // ---- adoption after a daemon restart --------------------------------------------------------

    void LeaveRecord(string id, string policy, LifecycleState state, bool manuallyStopped = false, int restarts = 0, int? lastExit = null, int pid = 0)
    {
        Directory.CreateDirectory(Path.Join(StateRoot, id));
        Store.Save(new SupervisionRecord
        {
            Spec = Spec(id), Policy = policy, State = state, ManuallyStopped = manuallyStopped, RestartCount = restarts,
            LastExitCode = lastExit, Pid = pid, InitStartTime = (ulong)pid * 10,
        });
    }

    ContainerSnapshot AdoptedStatus(IActorRef supervisor, string id, LifecycleState expected)
    {
        ContainerSnapshot? status = null;
        AwaitAssert(() =>
        {
            status = Ask(supervisor, new GetStatus(id));
            Assert.Equal(expected, status.State);
        });
        return status!;
    }

    [Fact]
    public void Adopts_a_container_that_still_runs_and_watches_it()
    {
        LeaveRecord("web", "on-failure", LifecycleState.Running, restarts: 2, pid: 777);
        Driver.Observed["web"] = new ObservedContainer("web", ContainerStatus.Running, new InitProcess(777, 7770));
        var supervisor = NewSupervisor();

        var adopted = AskFor<ContainersAdopted>(supervisor, AdoptAll.Instance);

        Assert.Equal(["web"], adopted.Ids);
        ExpectState("web", LifecycleState.Creating, LifecycleState.Running);
        var status = Ask(supervisor, new GetStatus("web"));
        Assert.Equal(777, status.Pid);
        Assert.Equal(2, status.RestartCount);
        Assert.Contains("watch 777", Driver.Calls);

        // Not our child: the exit code is unknown, which on-failure takes as a failure.
        Driver.Exit("web", null);
        ExpectExitThenRestart("web", null, attempt: 3, TimeSpan.FromSeconds(1));
    }

    [Theory]
    [InlineData("unless-stopped")]
    [InlineData("always")]
    [InlineData("on-failure")]
    public void A_manual_stop_holds_across_a_daemon_restart_whatever_the_policy(string policy)
    {
        LeaveRecord("web", policy, LifecycleState.Stopped, manuallyStopped: true, lastExit: 143);
        Driver.Observed["web"] = new ObservedContainer("web", ContainerStatus.Stopped, null);
        var supervisor = NewSupervisor();

        AskFor<ContainersAdopted>(supervisor, AdoptAll.Instance);

        var status = AdoptedStatus(supervisor, "web", LifecycleState.Stopped);
        Assert.True(status.ManuallyStopped);
        Assert.Equal(143, status.LastExitCode);
        Assert.Equal(0, Driver.Starts("web"));
        Assert.True(Store.Load("web")!.ManuallyStopped, "the record lost the manual stop");
    }

    [Fact]
    public void A_container_that_exited_while_no_daemon_watched_goes_through_the_policy_as_a_failure()
    {
        LeaveRecord("web", "unless-stopped", LifecycleState.Running, restarts: 1, pid: 555);
        LeaveRecord("job", "on-failure:1", LifecycleState.Running, restarts: 1, pid: 556);
        Driver.Observed["web"] = new ObservedContainer("web", ContainerStatus.Stopped, null);
        Driver.Observed["job"] = new ObservedContainer("job", ContainerStatus.Stopped, null);
        var supervisor = NewSupervisor();

        AskFor<ContainersAdopted>(supervisor, AdoptAll.Instance);

        // on-failure:1 has used its one restart: stopped, exit unknown.
        var job = AdoptedStatus(supervisor, "job", LifecycleState.Stopped);
        Assert.Null(job.LastExitCode);
        var web = AdoptedStatus(supervisor, "web", LifecycleState.Restarting);
        Clock.Advance(TimeSpan.FromSeconds(1));
        AdoptedStatus(supervisor, "web", LifecycleState.Running);
        Assert.Equal(2, Ask(supervisor, new GetStatus("web")).RestartCount);
        Assert.Equal(0, Driver.Starts("job"));
    }

    [Fact]
    public void A_stop_that_a_previous_daemon_began_is_finished_and_not_restarted()
    {
        LeaveRecord("web", "always", LifecycleState.Stopping, manuallyStopped: true, pid: 888);
        Driver.Observed["web"] = new ObservedContainer("web", ContainerStatus.Running, new InitProcess(888, 8880));
        var supervisor = NewSupervisor();

        AskFor<ContainersAdopted>(supervisor, AdoptAll.Instance);

        var status = AdoptedStatus(supervisor, "web", LifecycleState.Stopped);
        Assert.True(status.ManuallyStopped);
        Assert.Equal(143, status.LastExitCode);
        Assert.Contains("signal web 15", Driver.Calls);
        Assert.Equal(0, Driver.Starts("web"));
    }

    [Fact]
    public void Adopting_twice_does_not_duplicate_a_container()
    {
        LeaveRecord("web", "no", LifecycleState.Stopped);
        Driver.Observed["web"] = new ObservedContainer("web", ContainerStatus.Stopped, null);
        var supervisor = NewSupervisor();

        Assert.Equal(["web"], AskFor<ContainersAdopted>(supervisor, AdoptAll.Instance).Ids);
        Assert.Empty(AskFor<ContainersAdopted>(supervisor, AdoptAll.Instance).Ids);
    }
}
