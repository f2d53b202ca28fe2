using System.Collections.Concurrent;
using Rlrun.Actors;
using Rlrun.Runtime.Container;
using Rlrun.Runtime.State;

namespace Rlrun.ActorTests.Support;

/// <summary>A driver that records every call and plays the runtime's part: CreateAndStart claims
/// &lt;root&gt;/&lt;id&gt;/ as the StateStore does (as the runtime leaves it), Delete
/// removes it, and each init's exit is a task the test completes (or a rule completes).</summary>
public sealed class FakeContainerDriver(string stateRoot) : IContainerDriver
{
    readonly object _lock = new();
    readonly List<string> _calls = [];
    readonly ConcurrentDictionary<int, TaskCompletionSource<int?>> _exits = new();
    readonly ConcurrentDictionary<string, int> _current = new();
    readonly ConcurrentDictionary<string, int> _starts = new();
    int _nextPid = 1000;

    public string StateRoot { get; } = stateRoot;

    /// <summary>(id, start number from 1) -> an exit code the init exits with at once, or null: it runs.</summary>
    public Func<string, int, int?> ExitOnStart { get; set; } = (_, _) => null;

    /// <summary>(id, start number) -> an exception CreateAndStart throws, or null.</summary>
    public Func<string, int, Exception?> FailStart { get; set; } = (_, _) => null;

    /// <summary>Signals that end the init, with the shell's 128+N code; SIGTERM and SIGKILL by default.</summary>
    public HashSet<int> FatalSignals { get; } = [15, 9];

    public Func<ExecOptions, int> ExecResult { get; set; } = _ => 0;

    /// <summary>What Observe reports (adoption tests); absent: null.</summary>
    public ConcurrentDictionary<string, ObservedContainer> Observed { get; } = new();

    public IReadOnlyList<string> Calls
    {
        get { lock (_lock) return _calls.ToList(); }
    }

    public int Starts(string id) => _starts.GetValueOrDefault(id);

    public int PidOf(string id) => _current.GetValueOrDefault(id);

    /// <summary>Ends the current init of the container with the code (null: unknown).</summary>
    public void Exit(string id, int? code)
    {
        if (_current.TryGetValue(id, out int pid)) ExitPid(pid, code);
    }

    void ExitPid(int pid, int? code) => _exits.GetOrAdd(pid, _ => NewExit()).TrySetResult(code);

    static TaskCompletionSource<int?> NewExit() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    void Record(string call)
    {
        lock (_lock) _calls.Add(call);
    }

    public InitProcess CreateAndStart(ContainerSpec spec)
    {
        int n = _starts.AddOrUpdate(spec.Id, 1, (_, c) => c + 1);
        Record($"create {spec.Id}");
        if (FailStart(spec.Id, n) is { } failure) throw failure;
        string dir = Path.Join(StateRoot, spec.Id);
        if (Directory.Exists(dir)) throw new ContainerExistsException(spec.Id);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Join(dir, StateStore.StateFile), "{}");
        int pid = Interlocked.Increment(ref _nextPid);
        _current[spec.Id] = pid;
        _exits.GetOrAdd(pid, _ => NewExit());
        if (ExitOnStart(spec.Id, n) is { } code) ExitPid(pid, code);
        return new InitProcess(pid, (ulong)pid * 10);
    }

    public void Signal(string id, int signal, bool all)
    {
        Record($"signal {id} {signal}{(all ? " all" : "")}");
        if (!_current.TryGetValue(id, out int pid) || _exits[pid].Task.IsCompleted) throw new InvalidOperationException("container not running");
        if (FatalSignals.Contains(signal)) ExitPid(pid, 128 + signal);
    }

    public void Delete(string id, bool force)
    {
        Record($"delete {id}{(force ? " force" : "")}");
        if (_current.TryRemove(id, out int pid)) ExitPid(pid, 137);
        string dir = Path.Join(StateRoot, id);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    public void Pause(string id) => Record($"pause {id}");

    public void Resume(string id) => Record($"resume {id}");

    public int Exec(ExecOptions options)
    {
        Record($"exec {options.Id} {string.Join(' ', options.Args)}");
        return ExecResult(options);
    }

    public ObservedContainer? Observe(string id)
    {
        Record($"observe {id}");
        if (!Observed.TryGetValue(id, out var seen)) return null;
        if (seen.Init is { } init)
        {
            _current[id] = init.Pid;
            _exits.GetOrAdd(init.Pid, _ => NewExit());
        }
        return seen;
    }

    public Task<int?> WatchExit(InitProcess init)
    {
        Record($"watch {init.Pid}");
        return _exits.GetOrAdd(init.Pid, _ => NewExit()).Task;
    }
}
