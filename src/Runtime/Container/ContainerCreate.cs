using Rlrun.Runtime.Cgroups;
using Rlrun.Runtime.Faults;
using Rlrun.Runtime.IdMapping;
using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Namespaces;
using Rlrun.Runtime.Process;
using Rlrun.Runtime.Spec;
using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Container;

/// <summary>`create` (and the first half of `run`): validate everything, claim the ID, launch the
/// init, record the state. On any failure nothing stays behind: no state dir, no process.</summary>
public sealed class ContainerCreate(StateStore store, Action<string>? debug = null, Action<string>? warn = null)
{
    /// <param name="startViaSocket">run: the init waits on the socket, not on an exec fifo</param>
    public (ContainerState State, LaunchedInit Init) Create(CreateOptions o, bool startViaSocket, bool detached = true)
    {
        ContainerId.Validate(o.Id);
        SealedExecutable.Prefetch();
        if (o.PreserveFds < 0) throw new ArgumentException("--preserve-fds must not be negative");
        string bundle = Path.GetFullPath(o.Bundle);
        string configPath = Path.Join(bundle, "config.json");
        OciSpec spec;
        if (o.Prepared is { } prepared)
        {
            // The writer's copy, given the checks a config.json read back gets.
            spec = prepared.Spec;
            SpecValidator.Validate(spec, configPath);
            debug?.Invoke("config in memory, checked");
        }
        else
        {
            debug?.Invoke($"loading {configPath}");
            spec = SpecLoader.Load(configPath);
            debug?.Invoke("loaded");
        }
        if (spec.Process is null) throw new SpecError($"{configPath}: field process: missing (create needs a process)");
        string rootfs = Path.GetFullPath(Path.Combine(bundle, spec.Root!.Path));
        if (!Directory.Exists(rootfs)) throw new SpecError($"{configPath}: field root.path: rootfs {rootfs} does not exist");
        if (!(spec.Linux?.Namespaces?.Any(n => n.Type == "mount") ?? false))
            throw new SpecError($"{configPath}: field linux.namespaces: a mount namespace is required");

        var layers = o.Prepared is { } withLayers ? Overlay.LayeredRootFile.Check(withLayers.Layers, bundle, spec) : Overlay.LayeredRootFile.Load(bundle, spec);
        if (layers is not null) debug?.Invoke($"layered root: {layers.Driver}, {layers.Lowers.Count} layer(s)");
        o.Network?.Validate();
        ConsoleSocket.Check(spec.Process.Terminal, detached, o.ConsoleSocket, anyPty: o.AnyPty);
        if (spec.Linux?.Seccomp is { } seccomp) Seccomp.SeccompPlan.From(seccomp); // its errors, before anything starts
        int preserveFds = o.PreserveFds + PassSocketActivation(spec.Process);
        var caller = CallerInfo.Detect();
        // Before the plans: --network changes the namespaces (and container:ID the user namespace).
        if (o.Network is { } net) Network.NetworkSpec.ApplyNamespaces(spec, net, store);
        var userNs = IdMapPlanner.Plan(spec, caller);
        debug?.Invoke($"user namespace: {userNs.Note}");
        if (userNs.Create) debug?.Invoke($"uid map [{string.Join(", ", userNs.UidMap)}] gid map [{string.Join(", ", userNs.GidMap)}]");
        var namespaces = NamespacePlan.From(spec, userNs.Create);
        bool inUserNs = userNs.Create || namespaces.JoinsExisting("user") || caller.InForeignUserNamespace;
        if (userNs.Create && !userNs.MapsUid(spec.Process.User.Uid))
            throw new SpecError($"{configPath}: field process.user.uid: {spec.Process.User.Uid} is not mapped in the user namespace");

        var config = new InitConfig
        {
            Spec = spec, Rootfs = rootfs, Bundle = bundle, NoPivot = o.NoPivot, PreserveFds = preserveFds,
            InUserNamespace = inUserNs,
            NewNetwork = namespaces.Creates("network"), NewIpc = namespaces.Creates("ipc"),
            NewCgroup = namespaces.Creates("cgroup"), NewUts = namespaces.Creates("uts") || namespaces.JoinsExisting("uts"),
            Debug = o.Debug, Layers = layers,
        };

        var resources = spec.Linux?.Resources;
        // Held until state.json is written or all is removed: see StateStore.Claim.
        using var claim = store.Claim(o.Id);
        DeadCreate.Clean(store, o.Id);
        store.CreateDir(o.Id);
        debug?.Invoke("ID claimed, state directory made");
        FaultPoint.Reach("create.claimed", store.Root);
        if (NotifySocketProxy.HostSocket is not null && !NotifySocketProxy.RlrunReports) NotifySocketProxy.AddToSpec(spec, store.DirOf(o.Id));
        int fifoFd = -1;
        ContainerCgroup? cgroup = null;
        Network.PendingNetwork? pendingNetwork = null;
        ICgroupManager? cgroups = null;
        // Said once the container exists: a failed create prints its error and nothing else.
        var warnings = new List<string>();
        try
        {
            // After the ID is claimed: a create that fails for a taken ID says nothing about cgroups.
            cgroups = CgroupManagers.Select(o.CgroupManager, CgroupManagers.WantsLimits(resources), warnings.Add, spec.Linux?.CgroupsPath);
            debug?.Invoke($"cgroup manager: {cgroups.Name}");
            string dir = store.DirOf(o.Id);
            if (o.Network is { } netFiles) Network.NetworkSpec.AddFiles(spec, netFiles, dir, spec.Hostname ?? "");
            if (!startViaSocket)
            {
                string fifo = Path.Join(dir, StateStore.FifoFile);
                // runc's mode and owner: the init opens it as the container's root, whoever that is here.
                SyscallException.Check(FileCalls.mkfifo(fifo, 0x192), "mkfifo", fifo);
                FileCalls.chmod(fifo, 0x192);
                if (userNs.Create && caller.Euid == 0 && HostIdOfRoot(userNs.UidMap) is uint hu && HostIdOfRoot(userNs.GidMap) is uint hg)
                    SyscallException.Check(FileCalls.fchownat(FileCalls.AT_FDCWD, fifo, (int)hu, (int)hg, 0), "chown", fifo);
                fifoFd = SyscallException.Check(Libc.open(fifo, Libc.O_PATH | Libc.O_CLOEXEC, 0), "open", fifo);
            }
            config.Id = o.Id;
            bool hostRoot = caller.Euid == 0 && !caller.InForeignUserNamespace;
            // The helper starts as soon as the init's network namespace exists and gets ready while
            // the init makes its root. Not with net.* sysctls: the init writes them first, as before.
            bool early = !(spec.Linux?.Sysctl?.Keys.Any(k => k.StartsWith("net.")) ?? false);
            Action<int>? startNetwork = o.Network is { } request && early
                ? pid => pendingNetwork = Network.NetworkSetup.Begin(request, pid, dir, hostRoot, debug, warnings.Add) : null;
            // A prepared bundle's files were written meanwhile: the init's config names them.
            Action<int>? afterNamespaces = o.Prepared is { } writing
                ? pid => { startNetwork?.Invoke(pid); writing.WaitWritten(); debug?.Invoke("bundle files written"); }
                : startNetwork;
            var init = InitLauncher.Launch(config, namespaces, userNs, fifoFd, debug, pid => RuntimeHooks(spec, o.Id, bundle, pid),
                stage1 =>
                {
                    cgroup = cgroups.Create(o.Id, stage1, resources, spec.Linux?.CgroupsPath, spec);
                    DeadCreate.NoteCgroup(store, o.Id, cgroup);
                    FaultPoint.Reach("create.cgroup", store.Root);
                }, o.Stdio, afterNamespaces);
            FaultPoint.Reach("create.launched", store.Root);
            if (cgroup is not null) debug?.Invoke($"cgroup: {cgroup.Path}");
            Network.NetworkState? network = null;
            try
            {
                // The init's namespaces exist and its process has not run: the helper is ready
                // before start (or run) lets it exec.
                if (o.Network is { } req)
                {
                    pendingNetwork ??= Network.NetworkSetup.Begin(req, init.Pid, dir, hostRoot, debug, warnings.Add);
                    network = pendingNetwork.Finish(debug);
                }
                var state = new ContainerState
                {
                    Id = o.Id, Pid = init.Pid, Bundle = bundle, Rootfs = rootfs, Annotations = spec.Annotations,
                    // run starts right after: one state write instead of two.
                    Status = startViaSocket ? ContainerStatus.Running : ContainerStatus.Created, Created = DateTime.UtcNow,
                    Owner = CallerInfo.UserName(caller.Euid) ?? caller.Euid.ToString(),
                    InitStartTime = ProcStat.Read(init.Pid)?.StartTime ?? 0,
                    Poststop = spec.Hooks?.Poststop,
                    Poststart = spec.Hooks?.Poststart,
                    Cgroup = cgroup,
                    Network = network,
                };
                if (o.ConsoleSocket is { } socket) init.SendConsole(socket);
                if (init.SeccompListener >= 0)
                    SeccompListener.Send(spec.Linux!.Seccomp!.ListenerPath!, init.SeccompListener, init.Pid, spec.Linux.Seccomp.ListenerMetadata, state, ContainerStatus.Creating);
                o.Prepared?.WaitWritten(); // the state names the bundle: its files are all there
                store.Save(state);
                FaultPoint.Reach("create.saved", store.Root);
                // The init waits for this before it blocks on the exec fifo: a create killed before
                // its state.json was written leaves no init behind (issue 18, crash points).
                if (!startViaSocket) init.Channel.Send(FrameType.Committed);
                if (o.PidFile is { } pidFile) PidFile.Write(pidFile, init.Pid);
                foreach (var w in warnings) warn?.Invoke(w);
                FaultPoint.Reach("create.done", store.Root);
                return (state, init);
            }
            catch
            {
                if (network is not null) Network.HelperProcess.Stop(network);
                ProcessCalls.kill(init.Pid, 9);
                InitLauncher.Reap(init.Pid);
                init.Dispose();
                throw;
            }
        }
        catch
        {
            // A helper started but not waited for (the init failed while it got ready): stopped
            // before the directory with its log and pid file goes.
            pendingNetwork?.Abandon();
            if (cgroup is not null) cgroups!.Destroy(cgroup);
            store.RemoveDir(o.Id);
            throw;
        }
        finally
        {
            if (fifoFd >= 0) Libc.close(fifoFd);
        }
    }

    static uint? HostIdOfRoot(IReadOnlyList<IdMapping.IdMap> maps) =>
        maps.FirstOrDefault(m => m.ContainerId == 0 && m.Size > 0) is { Size: > 0 } m ? m.HostId : null;

    /// <summary>systemd socket activation, as runc passes it on: LISTEN_FDS fds from 3 go into the
    /// container (before --preserve-fds ones), with LISTEN_FDS and LISTEN_PID=1 in its env.</summary>
    static int PassSocketActivation(SpecProcess process)
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("LISTEN_FDS"), out int n) || n <= 0) return 0;
        var env = (process.Env ?? []).Where(e => !e.StartsWith("LISTEN_FDS=") && !e.StartsWith("LISTEN_PID=")).ToList();
        env.Add($"LISTEN_FDS={n}");
        env.Add("LISTEN_PID=1");
        if (Environment.GetEnvironmentVariable("LISTEN_FDNAMES") is { } names) env.Add($"LISTEN_FDNAMES={names}");
        process.Env = env;
        return n;
    }

    // prestart (deprecated, same time) and createRuntime: in our namespaces, once the init's mounts exist.
    static string? RuntimeHooks(OciSpec spec, string id, string bundle, int pid)
    {
        var state = OciState.Json(id, ContainerStatus.Creating, pid, bundle, spec.Annotations);
        try
        {
            HookRunner.RunAll("prestart", spec.Hooks?.Prestart, state);
            HookRunner.RunAll("createRuntime", spec.Hooks?.CreateRuntime, state);
            return null;
        }
        catch (HookFailedException e) { return e.Message; }
    }
}
