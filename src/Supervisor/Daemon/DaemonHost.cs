using System.Runtime.InteropServices;
using Akka.Actor;
using Rlrun.Actors;
using Rlrun.Runtime.Daemon;
using Rlrun.Runtime.Interop;
using Rlrun.Runtime.State;
using Rlrun.Systemd;

namespace Rlrun.Supervisor.Daemon;

/// <summary>`rlrun daemon`: the per-user supervisor of one state root. One instance per root (a
/// lock file); it adopts what a previous daemon supervised, serves the control socket, captures
/// the containers' output, reaps orphans, and tells systemd READY=1 and STATUS=. SIGTERM stops the
/// daemon, not the containers: the next daemon adopts them.</summary>
public static class DaemonHost
{
    public static int Run(string[] args)
    {
        var o = DaemonArgs.Parse(args);
        Directory.CreateDirectory(o.Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var daemonLock = TakeLock(o.Root);
        if (daemonLock is null)
        {
            Say($"another daemon already serves {o.Root}");
            return 1;
        }
        // Ours to use, not the containers' to inherit (the runtime passes NOTIFY_SOCKET and LISTEN_FDS on).
        string? notify = Environment.GetEnvironmentVariable(SdNotify.EnvVar);
        Environment.SetEnvironmentVariable(SdNotify.EnvVar, null);
        using var socket = ControlSocket.Open(DaemonPaths.Socket(o.Root));
        OrphanReaper.BecomeSubreaper();
        RaiseFileLimit();
        // One sealed copy of rlrun for the daemon's life: no 6 MiB copy per start, and no copies
        // of concurrent creates mixed up.
        Rlrun.Runtime.Process.SealedExecutable.Keep();

        var said = new HashSet<string>();
        Action<string> warn = w => { lock (said) if (said.Add(w)) Say($"warning: {w}"); };
        var store = new StateStore(o.Root);
        var supervision = new SupervisionStore(o.Root);
        var pumps = new LogPumps(o.Root, o.LogMaxSize, o.LogMaxFiles, warn);
        // The runtime's warnings (no cgroup, say) are said once per state root, as rlrun says them:
        // a restart, or a plain `run` before, has said them already.
        Action<string>? debug = o.Debug ? d => Say($"debug: {d}") : null;
        var warnedOnce = new WarnedOnce(o.Root);
        Action<string> warnOnce = w => { if (warnedOnce.First(w)) warn(w); else debug?.Invoke(w); };
        var driver = new RuntimeContainerDriver(store, debug, warnOnce, pumps);
        using var system = ActorSystemFactory.Create(settings: new ActorSystemSettings { Log = l => Say($"{l.Level}: {l.Source}: {l.Message}") });
        var supervisor = system.ActorOf(ContainerSupervisor.Props(driver, supervision, SupervisionOptions.Default with { Backoff = o.Backoff }), "supervisor");

        var remover = new AutoRemover(o.Root, warn);
        var states = new Dictionary<string, LifecycleState>(StringComparer.Ordinal);
        // Written here, on the event listener; read by the connection threads that answer ping.
        void OnEvent(IContainerEvent e)
        {
            string status;
            switch (e)
            {
                case ContainerExited x: pumps.Flush(x.Id); return;
                case ContainerRemovalDue r: remover.Remove(r.Id); return;
                case ContainerStateChanged { To: LifecycleState.Deleted } d:
                    pumps.Detach(d.Id, deleteLogs: true);
                    lock (states) { states.Remove(d.Id); status = StatusLine(states); }
                    break;
                case ContainerStateChanged c:
                    lock (states) { states[c.Id] = c.To; status = StatusLine(states); }
                    break;
                default: return;
            }
            if (notify is not null) TryNotify(() => SdNotify.Status(status, notify));
        }
        var listener = system.ActorOf(Props.CreateBy(new EventListener.Producer(OnEvent)), "events");
        system.EventStream.Subscribe(listener, typeof(IContainerEvent));

        ForgetOrphans(o.Root, warn);
        // Capture first, so what adopted containers wrote while no daemon ran is read out.
        foreach (var record in supervision.LoadAll(warn))
        {
            try { pumps.Attach(record.Spec.Id); }
            catch (Exception e) when (e is IOException or SyscallException) { warn($"container {record.Spec.Id}: log capture: {e.Message}"); }
        }
        var adopted = supervisor.Ask<ContainersAdopted>(AdoptAll.Instance, TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
        foreach (string w in adopted.Warnings) warn(w);

        var handler = new RequestHandler(supervisor, o, () => { lock (states) return states.Count; });
        socket.Serve(handler.Handle, warn);
        new OrphanReaper().Start(TimeSpan.FromSeconds(2));
        Say($"serving {socket.Path}{(socket.Activated ? " (socket activation)" : "")}, pid {Environment.ProcessId}, adopted {adopted.Ids.Count} container(s)");
        if (notify is not null) TryNotify(() => SdNotify.Ready($"serving {socket.Path}; adopted {adopted.Ids.Count} container(s)", notify));

        var stop = new ManualResetEventSlim();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
        using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => c.Cancel = true);
        stop.Wait();
        if (notify is not null) TryNotify(() => SdNotify.Stopping(notify));
        Say("stopping; the containers keep running and the next daemon adopts them");
        socket.Dispose();
        system.Terminate().Wait(TimeSpan.FromSeconds(5));
        return 0;
    }

    /// <summary>Output FIFOs without a record: a daemon killed between removing a deleted
    /// container's record and its FIFOs (issue 18, daemon.delete.forgotten). We hold the lock, so
    /// no other daemon is making a container's FIFOs; theirs and their logs go.</summary>
    static void ForgetOrphans(string root, Action<string> warn)
    {
        string dir = Path.Join(root, DaemonPaths.SupervisedDir);
        if (!Directory.Exists(dir)) return;
        foreach (string fifo in Directory.EnumerateFiles(dir, "*.stdout").Concat(Directory.EnumerateFiles(dir, "*.stderr")).ToList())
        {
            string id = Path.GetFileNameWithoutExtension(fifo);
            if (File.Exists(DaemonPaths.Record(root, id))) continue;
            try { DaemonPaths.Forget(root, id); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { warn($"container {id}: its output FIFOs outlived its record: {e.Message}"); }
        }
    }

    /// <summary>Four fds per container (two FIFOs, the log, the pidfd): a soft limit of 1024 would
    /// stop the daemon near 250 containers. Raised to the hard limit, which is ours to take.</summary>
    static void RaiseFileLimit()
    {
        if (ProcessCalls.getrlimit(ProcessCalls.RLIMIT_NOFILE, out var l) != 0 || l.cur >= l.max) return;
        var raised = new ProcessCalls.RLimit { cur = l.max, max = l.max };
        if (ProcessCalls.setrlimit(ProcessCalls.RLIMIT_NOFILE, in raised) != 0) Say($"warning: cannot raise RLIMIT_NOFILE to {l.max}: {Libc.StrError(Libc.LastErrno)}");
    }

    static string StatusLine(Dictionary<string, LifecycleState> states) =>
        $"supervising {states.Count} container(s), {states.Values.Count(s => s == LifecycleState.Running)} running";

    static void TryNotify(Action send)
    {
        try { send(); }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ArgumentException) { Say($"warning: sd_notify: {e.Message}"); }
    }

    /// <summary>flock on ROOT/daemon.lock, held for the daemon's life; null when another holds it.
    /// Tried for a second: a client's probe (DaemonPaths.DaemonAlive) holds it shared for a moment,
    /// and must not turn away the daemon it waits for; another daemon holds it for good.</summary>
    static StateLock? TakeLock(string root)
    {
        string path = DaemonPaths.Lock(root);
        int fd = SyscallException.Check(Libc.open(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, 0x180), "open", path);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(1);
        while (FileCalls.flock(fd, FileCalls.LOCK_EX | FileCalls.LOCK_NB) != 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                Libc.close(fd);
                return null;
            }
            Thread.Sleep(10);
        }
        return new StateLock(fd);
    }

    static void Say(string line) => Console.Error.WriteLine($"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} rlrun-daemon[{Environment.ProcessId}]: {line}");

    sealed class EventListener : ReceiveActor
    {
        public EventListener(Action<IContainerEvent> handle) => Receive<IContainerEvent>(handle);

        public sealed class Producer(Action<IContainerEvent> handle) : IIndirectActorProducer
        {
            public Type ActorType => typeof(EventListener);
            public ActorBase Produce() => new EventListener(handle);
            public void Release(ActorBase actor) { }
        }
    }
}
