using Akka.Actor;
using Akka.Event;
using Rlrun.Runtime.State;

namespace Rlrun.Actors;

/// <summary>The root of supervision, which the per-user daemon hosts: one <see cref="ContainerActor"/>
/// per container ID, created by Create (or AdoptAll), found by ID; every other container command is
/// forwarded to its actor, which answers the sender. Lists come from the snapshots the children
/// tell after each transition, so a child busy in a driver call does not hold a list up.</summary>
public sealed class ContainerSupervisor : ReceiveActor
{
    readonly IContainerDriver _driver;
    readonly SupervisionStore _store;
    readonly SupervisionOptions _options;
    readonly Dictionary<string, IActorRef> _children = new(StringComparer.Ordinal);
    readonly Dictionary<string, ContainerSnapshot> _snapshots = new(StringComparer.Ordinal);
    readonly ILoggingAdapter _log = Context.GetLogger();
    long _generation;

    public ContainerSupervisor(IContainerDriver driver, SupervisionStore store, SupervisionOptions? options = null)
    {
        _driver = driver;
        _store = store;
        _options = options ?? SupervisionOptions.Default;

        Receive<Create>(OnCreate);
        Receive<AdoptAll>(_ => OnAdoptAll());
        Receive<ListContainers>(_ => Sender.Tell(new ContainerList(_snapshots.Values.OrderBy(s => s.Id, StringComparer.Ordinal).ToList())));
        Receive<FindContainer>(f => Sender.Tell(new ContainerFound(f.Id, _children.GetValueOrDefault(f.Id))));
        Receive<IContainerCommand>(OnCommand);
        Receive<ContainerSnapshot>(s =>
        {
            if (IsChild(s.Id, Sender)) _snapshots[s.Id] = s;
        });
        Receive<ContainerRemoved>(r => Forget(r.Id, Sender));
        Receive<Terminated>(t =>
        {
            foreach (var (id, child) in _children.ToList())
                if (child.Equals(t.ActorRef)) Forget(id, child);
        });
    }

    public static Props Props(IContainerDriver driver, SupervisionStore store, SupervisionOptions? options = null) =>
        Akka.Actor.Props.CreateBy(new Producer(() => new ContainerSupervisor(driver, store, options)));

    sealed class Producer(Func<ContainerSupervisor> create) : IIndirectActorProducer
    {
        public Type ActorType => typeof(ContainerSupervisor);
        public ActorBase Produce() => create();
        public void Release(ActorBase actor) { }
    }

    /// <summary>A container actor's failure is a bug in it, not in the container: resume it with its
    /// state (a restart would forget the container's process and restart count).</summary>
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(e => e is ActorInitializationException ? Directive.Stop : Directive.Resume);

    void OnCreate(Create c)
    {
        try { ContainerId.Validate(c.Spec.Id); }
        catch (ArgumentException e)
        {
            Sender.Tell(new Status.Failure(new ContainerCommandException(c.Spec.Id, "create", e.Message, e)));
            return;
        }
        if (_children.ContainsKey(c.Id))
        {
            Sender.Tell(new Status.Failure(new ContainerCommandException(c.Id, "create", "a container with this ID is already supervised")));
            return;
        }
        Spawn(c.Id, c.Spec, c.Policy).Forward(c);
    }

    void OnAdoptAll()
    {
        var warnings = new List<string>();
        var adopted = new List<string>();
        foreach (var record in _store.LoadAll(warnings.Add))
        {
            string id = record.Spec.Id;
            if (_children.ContainsKey(id)) continue;
            if (!RestartPolicy.TryParse(record.Policy, out var policy, out _)) continue; // LoadAll checked it
            // The child's answer, a snapshot, comes back here and updates the list.
            Spawn(id, record.Spec, policy).Tell(new Adopt(record), Self);
            adopted.Add(id);
        }
        foreach (string w in warnings) _log.Warning("adopting containers: {0}", w);
        Sender.Tell(new ContainersAdopted(adopted, warnings));
    }

    void OnCommand(IContainerCommand command)
    {
        if (_children.TryGetValue(command.Id, out var child)) child.Forward(command);
        else Sender.Tell(new Status.Failure(new ContainerCommandException(command.Id, ContainerActor.CommandName(command), "no such container is supervised")));
    }

    IActorRef Spawn(string id, ContainerSpec spec, RestartPolicy policy)
    {
        // A fresh name each time: a deleted container's actor may still hold its name while it stops.
        var child = Context.ActorOf(ContainerActor.Props(id, _driver, _store, _options), $"{id}-{++_generation}");
        Context.Watch(child);
        _children[id] = child;
        _snapshots[id] = new ContainerSnapshot(id, LifecycleState.Creating, 0, spec.Bundle, policy, 0, null, null, null, false, null);
        return child;
    }

    bool IsChild(string id, IActorRef actor) => _children.TryGetValue(id, out var child) && child.Equals(actor);

    void Forget(string id, IActorRef actor)
    {
        if (!IsChild(id, actor)) return;
        _children.Remove(id);
        _snapshots.Remove(id);
    }
}
