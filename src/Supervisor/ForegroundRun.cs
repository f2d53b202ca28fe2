using System.Runtime.InteropServices;
using Akka.Actor;
using Rlrun.Actors;
using Rlrun.Runtime.State;

namespace Rlrun.Supervisor;

/// <summary>`rlrun run --restart=POLICY` in the foreground: this process hosts the actor system and
/// supervises the container; SIGTERM/SIGINT stop it without a restart, and the last exit code is
/// returned (128+N for signal N). The container is deleted at the end, as `run` does.</summary>
public static class ForegroundRun
{
    public static int Run(string[] args)
    {
        var o = RunArgs.Parse(args);
        Rlrun.Runtime.Process.SealedExecutable.Keep(); // one copy for every restart
        var store = new StateStore(o.Root);
        // Once per state root, not per restart, as rlrun says them (WarnedOnce).
        Action<string>? debug = o.Debug ? d => Console.Error.WriteLine($"rlrun: debug: {d}") : null;
        var warnedOnce = new WarnedOnce(o.Root);
        var driver = new RuntimeContainerDriver(store, debug,
            w => { if (warnedOnce.First(w)) Console.Error.WriteLine($"rlrun: warning: {w}"); else debug?.Invoke(w); });
        var supervision = new SupervisionStore(o.Root, Rlrun.Runtime.Daemon.DaemonPaths.ForegroundRecords(o.Root));
        var options = SupervisionOptions.Default with { Backoff = o.Backoff };
        using var system = ActorSystemFactory.Create();
        var supervisor = system.ActorOf(ContainerSupervisor.Props(driver, supervision, options), "supervisor");

        var finished = new TaskCompletionSource<int?>(TaskCreationOptions.RunContinuationsAsynchronously);
        int? lastExit = null;
        Action<IContainerEvent> onEvent = e =>
        {
            switch (e)
            {
                case ContainerExited x: lastExit = x.ExitCode; break;
                case ContainerStateChanged { To: LifecycleState.Stopped }: finished.TrySetResult(lastExit); break;
                case ContainerStartFailed f: Console.Error.WriteLine($"rlrun: {f.Reason}"); break;
            }
        };
        var listener = system.ActorOf(Props.CreateBy(new ListenerProducer(o.Id, onEvent)));
        system.EventStream.Subscribe(listener, typeof(IContainerEvent));

        bool stopping = false;
        void StopContainer()
        {
            if (stopping) return;
            stopping = true;
            supervisor.Tell(new Stop(o.Id));
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; StopContainer(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; StopContainer(); });

        var timeout = TimeSpan.FromSeconds(30);
        supervisor.Ask<ContainerSnapshot>(new Create(o.Spec, o.Policy, o.Backoff), timeout).GetAwaiter().GetResult();
        supervisor.Ask<ContainerSnapshot>(new Start(o.Id), timeout).GetAwaiter().GetResult();
        int? code = finished.Task.GetAwaiter().GetResult();
        try { supervisor.Ask<object>(new Delete(o.Id, Force: true), timeout).GetAwaiter().GetResult(); }
        catch (Exception e) when (e is ContainerCommandException or AskTimeoutException) { }
        system.Terminate().Wait(TimeSpan.FromSeconds(5));
        return code ?? 255;
    }

    // Props.CreateBy with a producer: no expression trees, no constructor reflection (NativeAOT).
    sealed class ListenerProducer(string id, Action<IContainerEvent> handle) : IIndirectActorProducer
    {
        public Type ActorType => typeof(EventListener);
        public ActorBase Produce() => new EventListener(id, handle);
        public void Release(ActorBase actor) { }
    }

    sealed class EventListener : ReceiveActor
    {
        public EventListener(string id, Action<IContainerEvent> handle) =>
            Receive<IContainerEvent>(e => e.Id == id, handle);
    }
}
