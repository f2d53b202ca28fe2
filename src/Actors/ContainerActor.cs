using Akka.Actor;
using Akka.Event;
using Rlrun.Runtime.Faults;
using Rlrun.Runtime.State;

namespace Rlrun.Actors;

/// <summary>Supervision-wide settings: the default backoff, how long Stop waits before SIGKILL,
/// and the dispatcher the container actors run on (their driver calls block).</summary>
public sealed record SupervisionOptions(RestartBackoff Backoff, TimeSpan StopTimeout, string? Dispatcher = null)
{
    public static readonly SupervisionOptions Default = new(RestartBackoff.Default, TimeSpan.FromSeconds(10));
}

/// <summary>One supervised container. Each lifecycle state is a behaviour (Become); the restart
/// policy is applied to every exit that no Stop asked for; the backoff timer goes through the actor
/// system's scheduler, so tests drive the clock. After every transition the state is written to
/// its record (ROOT/.supervised/ID.json), published as <see cref="ContainerStateChanged"/> and told to the parent as a
/// <see cref="ContainerSnapshot"/>.</summary>
public sealed class ContainerActor : ReceiveActor, IWithTimers
{
    const string RestartTimer = "restart", StopTimer = "stop-timeout";

    readonly string _id;
    readonly IContainerDriver _driver;
    readonly SupervisionStore _store;
    readonly SupervisionOptions _options;
    readonly ILoggingAdapter _log = Context.GetLogger();

    ContainerSpec? _spec;
    RestartPolicy _policy = RestartPolicy.No;
    RestartBackoff _backoff;
    LifecycleState _state = LifecycleState.Creating;
    InitProcess? _init;
    DateTimeOffset? _startedAt, _exitedAt;
    int _restartCount, _backoffStep;
    int? _lastExitCode;
    bool _manuallyStopped;
    string? _lastError;
    // Whether the runtime's store holds a container of ours under _id: only then may a restart or a
    // delete remove it (an ID taken by someone else's container is not ours to delete).
    bool _hasRuntimeState;
    readonly List<IActorRef> _stopWaiters = [];

    public ITimerScheduler Timers { get; set; } = null!;

    public ContainerActor(string id, IContainerDriver driver, SupervisionStore store, SupervisionOptions? options = null)
    {
        _id = id;
        _driver = driver;
        _store = store;
        _options = options ?? SupervisionOptions.Default;
        _backoff = _options.Backoff;
        Become(Creating);
    }

    /// <summary>Props without reflection on constructor arguments (NativeAOT-safe).</summary>
    public static Props Props(string id, IContainerDriver driver, SupervisionStore store, SupervisionOptions? options = null)
    {
        var props = Akka.Actor.Props.CreateBy(new Producer(() => new ContainerActor(id, driver, store, options)));
        return options?.Dispatcher is { } dispatcher ? props.WithDispatcher(dispatcher) : props;
    }

    sealed class Producer(Func<ContainerActor> create) : IIndirectActorProducer
    {
        public Type ActorType => typeof(ContainerActor);
        public ActorBase Produce() => create();
        public void Release(ActorBase actor) { }
    }

    DateTimeOffset Now => Context.System.Scheduler.Now;

    // ---- behaviours -------------------------------------------------------------------------

    void Creating()
    {
        Receive<Create>(OnCreate);
        Receive<Adopt>(OnAdopt);
        ReceiveStatus();
        Receive<IContainerCommand>(m => Reject(m, "the container is not created yet"));
    }

    void Created()
    {
        Receive<Start>(_ => StartManually());
        Receive<Stop>(_ => StopWithoutProcess());
        Receive<Delete>(OnDelete);
        ReceiveStatus();
        Receive<IContainerCommand>(m => Reject(m, "the container was never started"));
    }

    void Running()
    {
        Receive<ProcessExited>(IsCurrent, OnExited);
        Receive<Kill>(OnKill);
        Receive<Stop>(OnStop);
        Receive<Pause>(_ => Drive("pause", () => _driver.Pause(_id), LifecycleState.Paused));
        Receive<Exec>(OnExec);
        Receive<Delete>(OnDelete);
        ReceiveStatus();
        Receive<IContainerCommand>(m => Reject(m, "the container is running"));
    }

    void Paused()
    {
        Receive<ProcessExited>(IsCurrent, OnExited);
        Receive<Resume>(_ => Drive("resume", () => _driver.Resume(_id), LifecycleState.Running));
        Receive<Kill>(OnKill);
        Receive<Stop>(OnStop);
        Receive<Delete>(OnDelete);
        ReceiveStatus();
        Receive<IContainerCommand>(m => Reject(m, "the container is paused"));
    }

    void Restarting()
    {
        Receive<RestartDue>(_ => RestartNow());
        Receive<Stop>(_ => StopWithoutProcess());
        Receive<Delete>(OnDelete);
        ReceiveStatus();
        Receive<IContainerCommand>(m => Reject(m, "the container is waiting to be restarted"));
    }

    void Stopping()
    {
        Receive<ProcessExited>(IsCurrent, OnStoppedExit);
        Receive<StopTimedOut>(_ => OnStopTimedOut());
        Receive<Stop>(_ => _stopWaiters.Add(Sender));
        Receive<Kill>(OnKill);
        Receive<Delete>(OnDelete);
        ReceiveStatus();
        Receive<IContainerCommand>(m => Reject(m, "the container is stopping"));
    }

    void Stopped()
    {
        Receive<Start>(_ => StartManually());
        Receive<Stop>(_ => StopWithoutProcess());
        Receive<Delete>(OnDelete);
        ReceiveStatus();
        Receive<IContainerCommand>(m => Reject(m, "the container is stopped"));
    }

    void Deleted()
    {
        ReceiveStatus();
        Receive<IContainerCommand>(m => Reject(m, "the container was deleted"));
    }

    void ReceiveStatus()
    {
        Receive<GetStatus>(_ => Sender.Tell(Snapshot()));
        // An exit of an init that a restart or a delete has already replaced: nothing to do.
        Receive<ProcessExited>(_ => { });
        Receive<StopTimedOut>(_ => { });
        Receive<RestartDue>(_ => { });
    }

    bool IsCurrent(ProcessExited e) => _init is { } init && init.Pid == e.Pid;

    // ---- creation and adoption --------------------------------------------------------------

    void OnCreate(Create c)
    {
        try
        {
            ContainerId.Validate(c.Spec.Id);
            if (c.Spec.Id != _id) throw new ArgumentException($"this actor supervises container {_id}, not {c.Spec.Id}");
            if (string.IsNullOrWhiteSpace(c.Spec.Bundle)) throw new ArgumentException("the bundle path is empty");
        }
        catch (ArgumentException e)
        {
            Fail(c, e.Message, e);
            Context.Stop(Self);
            return;
        }
        _spec = c.Spec;
        _policy = c.Policy;
        _backoff = c.Backoff ?? _options.Backoff;
        Enter(LifecycleState.Created);
        Fault("daemon.created");
        Sender.Tell(Snapshot());
    }

    /// <summary>A container a previous daemon supervised: watch it if its init still runs; if it
    /// stopped meanwhile, apply the policy as for an exit nobody saw. A manual stop holds, whatever
    /// the policy: the daemon's restart is no reason to undo it.</summary>
    void OnAdopt(Adopt a)
    {
        var r = a.Record;
        string? error = r.Spec.Id != _id ? $"this actor supervises container {_id}, not {r.Spec.Id}" : null;
        if (error is not null || !RestartPolicy.TryParse(r.Policy, out var policy, out error))
        {
            Fail(a, error!);
            Context.Stop(Self);
            return;
        }
        _spec = r.Spec;
        _policy = policy;
        _backoff = a.Backoff ?? _options.Backoff;
        _restartCount = r.RestartCount;
        _lastExitCode = r.LastExitCode;
        _exitedAt = r.LastExitAt;
        _startedAt = r.StartedAt;
        _manuallyStopped = r.ManuallyStopped;
        _lastError = r.LastError;

        ObservedContainer? seen;
        try { seen = _driver.Observe(_id); }
        catch (Exception e)
        {
            _lastError = e.Message;
            seen = null;
        }

        _hasRuntimeState = seen is not null;
        if (seen?.Init is { } init && seen.Status is ContainerStatus.Running or ContainerStatus.Paused)
        {
            Watch(init);
            // Its network helper lives apart from any daemon; one killed meanwhile is started again.
            try { _driver.Readopt(r.Spec); }
            catch (Exception e)
            {
                _lastError = e.Message;
                _log.Warning("container {0}: adoption: {1}", _id, e.Message);
            }
            Enter(seen.Status == ContainerStatus.Paused ? LifecycleState.Paused : LifecycleState.Running);
            // The previous daemon was stopping it: finish that stop.
            if (r.State == LifecycleState.Stopping) Self.Tell(new Stop(_id), ActorRefs.NoSender);
        }
        else if (seen is null && !_manuallyStopped && r.State is LifecycleState.Running or LifecycleState.Paused or LifecycleState.Restarting)
        {
            // It was running, or between a restart's delete and its create (a daemon killed there):
            // the restart is still owed, and the policy decides it as for an exit nobody saw.
            _init = null;
            _exitedAt ??= Now;
            ScheduleRestartOrStop(r.State == LifecycleState.Restarting ? _lastExitCode : null);
        }
        else if (seen is null)
        {
            // Nothing left in the runtime's store: supervised again from scratch.
            Enter(LifecycleState.Created);
        }
        else if (_manuallyStopped || r.State == LifecycleState.Stopping)
        {
            _manuallyStopped = true;
            Enter(LifecycleState.Stopped);
        }
        else if (r.State is LifecycleState.Stopped or LifecycleState.Created)
        {
            Enter(LifecycleState.Stopped);
        }
        else if (r.State == LifecycleState.Restarting)
        {
            // Its exit was seen and a restart was due: it still is.
            ScheduleRestartOrStop(_lastExitCode);
        }
        else
        {
            // It exited while no daemon watched: how is unknown, which counts as a failure.
            _init = null;
            _lastExitCode = null;
            _exitedAt = Now;
            Publish(new ContainerExited(_id, null));
            ScheduleRestartOrStop(null);
        }
        Sender.Tell(Snapshot());
    }

    // ---- starting -----------------------------------------------------------------------------

    void StartManually()
    {
        if (!TryLaunch(out string? error))
        {
            SaveRecord();
            Fail(new Start(_id), error!);
            return;
        }
        Fault("daemon.started");
        _restartCount = 0;
        _backoffStep = 0;
        _manuallyStopped = false;
        Enter(LifecycleState.Running);
        Sender.Tell(Snapshot());
    }

    void RestartNow()
    {
        Fault("daemon.restart.due");
        _restartCount++;
        if (!TryLaunch(out _))
        {
            // A restart that could not even start: a failed run of no length.
            ScheduleRestartOrStop(null);
            return;
        }
        Fault("daemon.restart.launched");
        Enter(LifecycleState.Running);
    }

    bool TryLaunch(out string? error)
    {
        var spec = _spec!;
        try
        {
            if (_hasRuntimeState)
            {
                _driver.Delete(_id, force: true);
                _hasRuntimeState = false;
                Fault("daemon.relaunch.deleted");
            }
            var init = _driver.CreateAndStart(spec);
            _hasRuntimeState = true;
            _startedAt = Now;
            _lastError = null;
            Watch(init);
            error = null;
            return true;
        }
        catch (Exception e)
        {
            _init = null;
            error = e.Message;
            _lastError = error;
            _log.Warning("container {0}: start failed: {1}", _id, e.Message);
            Publish(new ContainerStartFailed(_id, e.Message));
            return false;
        }
    }

    void Watch(InitProcess init)
    {
        _init = init;
        var scheduler = Context.System.Scheduler;
        int pid = init.Pid;
        Task<int?> exit;
        try { exit = _driver.WatchExit(init); }
        catch (Exception e) { exit = Task.FromException<int?>(e); }
        exit.PipeTo(Self,
            success: code => new ProcessExited(pid, code, scheduler.Now),
            failure: _ => new ProcessExited(pid, null, scheduler.Now));
    }

    // ---- exits and restarts ---------------------------------------------------------------

    void OnExited(ProcessExited e)
    {
        RecordExit(e);
        Fault("daemon.restart.seen");
        if (_startedAt is { } started && _backoff.IsHealthyRun(e.At - started)) _backoffStep = 0;
        ScheduleRestartOrStop(e.ExitCode);
    }

    void RecordExit(ProcessExited e)
    {
        _init = null;
        _lastExitCode = e.ExitCode;
        _exitedAt = e.At;
        Publish(new ContainerExited(_id, e.ExitCode));
    }

    void ScheduleRestartOrStop(int? exitCode)
    {
        if (!_policy.RestartsAfterExit(exitCode, _restartCount))
        {
            Enter(LifecycleState.Stopped);
            return;
        }
        var delay = _backoff.DelayFor(_backoffStep);
        _backoffStep++;
        // The timer before the events: whoever reacts to ContainerRestarting finds it scheduled.
        // No delay: no timer either (the scheduler's tick would add up to 10 ms).
        if (delay <= TimeSpan.Zero) Self.Tell(RestartDue.Instance);
        else Timers.StartSingleTimer(RestartTimer, RestartDue.Instance, delay);
        Enter(LifecycleState.Restarting);
        Publish(new ContainerRestarting(_id, _restartCount + 1, delay));
    }

    // ---- commands on a running container ------------------------------------------------------

    void OnKill(Kill k)
    {
        try { _driver.Signal(_id, k.Signal, k.All); }
        catch (Exception e)
        {
            Fail(k, e.Message, e);
            return;
        }
        Sender.Tell(Snapshot());
    }

    void OnStop(Stop s)
    {
        _manuallyStopped = true;
        _stopWaiters.Add(Sender);
        // Recorded before the signal: a daemon killed after it must not take the exit for a crash
        // and restart what was asked to stop (the next daemon finishes the stop).
        var was = _state;
        Enter(LifecycleState.Stopping);
        Fault("daemon.stop.recorded");
        try
        {
            // A frozen process would not see SIGTERM until thawed.
            if (was == LifecycleState.Paused) _driver.Resume(_id);
            _driver.Signal(_id, s.Signal, all: false);
        }
        catch (Exception e)
        {
            // Most likely it has just exited: that exit is on its way, and ends the stop.
            _log.Info("container {0}: stop signal: {1}", _id, e.Message);
        }
        Fault("daemon.stop.signalled");
        Timers.StartSingleTimer(StopTimer, StopTimedOut.Instance, s.Timeout ?? _options.StopTimeout);
    }

    void OnStopTimedOut()
    {
        try { _driver.Signal(_id, 9, all: true); }
        catch (Exception e) { _log.Info("container {0}: SIGKILL after the stop timeout: {1}", _id, e.Message); }
    }

    void OnStoppedExit(ProcessExited e)
    {
        Timers.Cancel(StopTimer);
        RecordExit(e);
        Fault("daemon.stop.exited");
        Enter(LifecycleState.Stopped);
        AnswerStopWaiters();
    }

    void StopWithoutProcess()
    {
        Timers.Cancel(RestartTimer);
        _manuallyStopped = true;
        Enter(LifecycleState.Stopped);
        Sender.Tell(Snapshot());
    }

    void AnswerStopWaiters()
    {
        var snapshot = Snapshot();
        foreach (var waiter in _stopWaiters) waiter.Tell(snapshot);
        _stopWaiters.Clear();
    }

    void OnExec(Exec x)
    {
        var sender = Sender;
        string id = _id;
        var driver = _driver;
        // An exec in the foreground lasts as long as its process: never on the actor's thread.
        Task.Run(() => driver.Exec(x.Options)).PipeTo(sender,
            success: code => new ExecCompleted(id, code),
            failure: e => new Status.Failure(new ContainerCommandException(id, "exec", e.Message, e)));
    }

    /// <summary>A driver call that moves to another state when it succeeds.</summary>
    void Drive(string command, Action call, LifecycleState then)
    {
        try { call(); }
        catch (Exception e)
        {
            Sender.Tell(new Status.Failure(new ContainerCommandException(_id, command, e.Message, e)));
            return;
        }
        Enter(then);
        Sender.Tell(Snapshot());
    }

    // ---- delete ---------------------------------------------------------------------------

    void OnDelete(Delete d)
    {
        bool live = _state is LifecycleState.Running or LifecycleState.Paused or LifecycleState.Stopping;
        if (live && !d.Force)
        {
            Reject(d, $"the container is {Name(_state)}: stop it first, or delete with force");
            return;
        }
        if (_hasRuntimeState)
        {
            try { _driver.Delete(_id, force: true); }
            catch (Exception e)
            {
                Fail(d, e.Message, e);
                return;
            }
            _hasRuntimeState = false;
            Fault("daemon.delete.removed");
        }
        else
        {
            // Ours may be a create that died with a previous daemon: its remains go too.
            try { _driver.DeleteDeadCreate(_id); }
            catch (Exception e) { _log.Warning("container {0}: the remains of a dead create: {1}", _id, e.Message); }
        }
        Timers.CancelAll();
        _init = null;
        Enter(LifecycleState.Deleted);
        Fault("daemon.delete.forgotten");
        // The parent first: whoever hears of the delete may create the ID again at once.
        Context.Parent.Tell(new ContainerRemoved(_id));
        Sender.Tell(Snapshot());
        AnswerStopWaiters();
        Context.Stop(Self);
    }

    // ---- transitions, records, replies ----------------------------------------------------------

    void Enter(LifecycleState to)
    {
        var from = _state;
        _state = to;
        Become(to switch
        {
            LifecycleState.Creating => Creating,
            LifecycleState.Created => Created,
            LifecycleState.Running => Running,
            LifecycleState.Paused => Paused,
            LifecycleState.Restarting => Restarting,
            LifecycleState.Stopping => Stopping,
            LifecycleState.Stopped => Stopped,
            _ => Deleted,
        });
        if (to != LifecycleState.Deleted) SaveRecord();
        else RemoveRecord();
        if (from != to) Publish(new ContainerStateChanged(_id, from, to));
        Context.Parent.Tell(Snapshot());
        if (to == LifecycleState.Stopped && _spec is { Remove: true }) Publish(new ContainerRemovalDue(_id));
    }

    void SaveRecord()
    {
        if (_spec is null) return;
        try
        {
            _store.Save(new SupervisionRecord
            {
                Spec = _spec, Policy = _policy.ToString(), State = _state, RestartCount = _restartCount,
                LastExitCode = _lastExitCode, LastExitAt = _exitedAt, StartedAt = _startedAt,
                ManuallyStopped = _manuallyStopped, Pid = _init?.Pid ?? 0, InitStartTime = _init?.StartTime ?? 0,
                LastError = _lastError,
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning("container {0}: cannot write {1}: {2}", _id, _store.PathOf(_id), e.Message);
        }
    }

    void RemoveRecord()
    {
        try { _store.Remove(_id); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning("container {0}: cannot remove {1}: {2}", _id, _store.PathOf(_id), e.Message);
        }
    }

    /// <summary>A test-only crash point of the daemon (docs/fault-points.md).</summary>
    void Fault(string step) => FaultPoint.Reach(step, _store.Root);

    void Publish(IContainerEvent e) => Context.System.EventStream.Publish(e);

    ContainerSnapshot Snapshot() => new(_id, _state, _init?.Pid ?? 0, _spec?.Bundle ?? "", _policy, _restartCount,
        _lastExitCode, _startedAt, _exitedAt, _manuallyStopped, _lastError);

    void Reject(object message, string reason) => Fail(message, reason);

    void Fail(object message, string reason, Exception? inner = null) =>
        Sender.Tell(new Status.Failure(new ContainerCommandException(_id, CommandName(message), reason, inner)));

    internal static string CommandName(object message) => message switch
    {
        Create => "create",
        Adopt => "adopt",
        Start => "start",
        Kill => "kill",
        Stop => "stop",
        Pause => "pause",
        Resume => "resume",
        Exec => "exec",
        Delete => "delete",
        GetStatus => "status",
        _ => message.GetType().Name,
    };

    internal static string Name(LifecycleState s) => s.ToString().ToLowerInvariant();
}
