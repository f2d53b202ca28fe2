using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Rlrun.Actors;
using Rlrun.Runtime.Container;

// One supervised container under on-failure, with a driver that plays the runtime: its first init
// exits 1, the restart runs. Prints the transitions, the start-up time and the memory; exit code 0
// when the transitions are Created -> Running -> Restarting -> Running.
var clock = Stopwatch.StartNew();
if (args is ["--noop"]) return 0; // the binary's own start-up, Akka linked in but not used
if (args is ["--startup"])
{
    // Only the start-up: the system, the supervisor, one answer. Time it from outside.
    using var sys = ActorSystemFactory.Create();
    var sup = sys.ActorOf(ContainerSupervisor.Props(new ProbeDriver("/nonexistent"), new SupervisionStore("/nonexistent")), "supervisor");
    var none = await sup.Ask<ContainerList>(ListContainers.Instance, TimeSpan.FromSeconds(5));
    Console.WriteLine($"first answer after {clock.Elapsed.TotalMilliseconds:0.0} ms ({none.Containers.Count} containers); {MemoryLine("VmRSS")}; threads {Process.GetCurrentProcess().Threads.Count}");
    await sys.Terminate();
    return 0;
}
string root = Directory.CreateTempSubdirectory("aotprobe-").FullName;
try
{
    var logLines = new ConcurrentQueue<string>();
    using var system = ActorSystemFactory.Create("rlrun", new ActorSystemSettings
    {
        Log = l => logLines.Enqueue($"{l.Level} {l.Source}: {l.Message}"),
    });
    double systemMs = clock.Elapsed.TotalMilliseconds;

    var transitions = new BlockingCollection<IContainerEvent>();
    var listener = system.ActorOf(Props.CreateBy(new ListenerProducer(transitions)), "listener");
    system.EventStream.Subscribe(listener, typeof(IContainerEvent));

    var driver = new ProbeDriver(root);
    var store = new SupervisionStore(root);
    var backoff = new RestartBackoff(TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
    var supervisor = system.ActorOf(ContainerSupervisor.Props(driver, store, new SupervisionOptions(backoff, TimeSpan.FromSeconds(1))), "supervisor");

    var created = await supervisor.Ask<ContainerSnapshot>(new Create(new ContainerSpec("web", "/bundles/web"), RestartPolicy.Parse("on-failure:3")), TimeSpan.FromSeconds(5));
    double firstAnswerMs = clock.Elapsed.TotalMilliseconds;
    await supervisor.Ask<ContainerSnapshot>(new Start("web"), TimeSpan.FromSeconds(5));

    var seen = new List<string>();
    var deadline = DateTime.UtcNow.AddSeconds(5);
    while (seen.Count(s => s.StartsWith("state ")) < 4 && transitions.TryTake(out var e, deadline - DateTime.UtcNow))
    {
        seen.Add(e switch
        {
            ContainerStateChanged c => $"state {c.From} -> {c.To}",
            ContainerExited x => $"exited {x.ExitCode}",
            ContainerRestarting r => $"restarting attempt {r.Attempt} after {r.Delay.TotalMilliseconds} ms",
            _ => e.ToString()!,
        });
    }
    double scenarioMs = clock.Elapsed.TotalMilliseconds;
    foreach (var s in seen) Console.WriteLine(s);

    var status = await supervisor.Ask<ContainerSnapshot>(new GetStatus("web"), TimeSpan.FromSeconds(5));
    var record = store.Load("web");
    var list = await supervisor.Ask<ContainerList>(ListContainers.Instance, TimeSpan.FromSeconds(5));
    Console.WriteLine($"status: {status.State}, restarts {status.RestartCount}, last exit {status.LastExitCode}; supervision.json: restartCount {record?.RestartCount}, lastExitCode {record?.LastExitCode}; listed {list.Containers.Count}");

    system.Log.Warning("log callback {0}", "works");
    await Task.Delay(50);
    foreach (var line in logLines) Console.WriteLine($"log: {line}");

    string[] expected = ["Creating -> Created", "Created -> Running", "Running -> Restarting", "Restarting -> Running"];
    bool ok = seen.Where(s => s.StartsWith("state ")).Select(s => s[6..]).SequenceEqual(expected)
              && status is { State: LifecycleState.Running, RestartCount: 1, LastExitCode: 1 } && record?.RestartCount == 1;

    Console.WriteLine($"actor system up: {systemMs:0.0} ms; first answer: {firstAnswerMs:0.0} ms; restart scenario done: {scenarioMs:0.0} ms (backoff 20 ms)");
    Console.WriteLine($"threads: {Process.GetCurrentProcess().Threads.Count}; {MemoryLine("VmRSS")}; {MemoryLine("VmHWM")}");
    await system.Terminate();
    Console.WriteLine(ok ? "PROBE OK" : "PROBE FAILED");
    return ok ? 0 : 1;
}
finally
{
    Directory.Delete(root, recursive: true);
}

static string MemoryLine(string key) =>
    File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(key + ":"))?.Replace("\t", " ").Replace("  ", " ") ?? key + ": ?";

sealed class ListenerProducer(BlockingCollection<IContainerEvent> sink) : IIndirectActorProducer
{
    public Type ActorType => typeof(Listener);
    public ActorBase Produce() => new Listener(sink);
    public void Release(ActorBase actor) { }
}

sealed class Listener : ReceiveActor
{
    public Listener(BlockingCollection<IContainerEvent> sink) => Receive<IContainerEvent>(e => sink.Add(e));
}

/// <summary>Plays the runtime: a state directory per container; the first init exits 1 at once.</summary>
sealed class ProbeDriver(string root) : IContainerDriver
{
    int _pid = 100, _starts;
    readonly ConcurrentDictionary<int, TaskCompletionSource<int?>> _exits = new();

    public InitProcess CreateAndStart(ContainerSpec spec)
    {
        Directory.CreateDirectory(Path.Join(root, spec.Id));
        int pid = Interlocked.Increment(ref _pid);
        var exit = _exits.GetOrAdd(pid, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        if (Interlocked.Increment(ref _starts) == 1) exit.SetResult(1);
        return new InitProcess(pid, (ulong)pid);
    }

    public void Signal(string id, int signal, bool all) { }
    public void Delete(string id, bool force) => Directory.Delete(Path.Join(root, id), recursive: true);
    public void Pause(string id) { }
    public void Resume(string id) { }
    public int Exec(ExecOptions options) => 0;
    public ObservedContainer? Observe(string id) => null;
    public Task<int?> WatchExit(InitProcess init) => _exits.GetOrAdd(init.Pid, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
}
