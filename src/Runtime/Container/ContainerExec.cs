using Rlrun.Runtime.IdMapping;
using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Namespaces;
using Rlrun.Runtime.Process;
using Rlrun.Runtime.Spec;
using Rlrun.Runtime.State;

namespace Rlrun.Runtime.Container;

/// <summary>`exec`: a new process in every namespace of a running container (the user namespace
/// first, by stage 1), with the container's process defaults; its exit code is ours.</summary>
public sealed class ContainerExec(StateStore store, Action<string>? debug = null, Action<string>? warn = null)
{
    static readonly (string Type, string File)[] NamespaceFiles =
    [
        ("user", "user"), ("mount", "mnt"), ("pid", "pid"), ("uts", "uts"), ("ipc", "ipc"),
        ("network", "net"), ("cgroup", "cgroup"), ("time", "time"),
    ];

    public int Exec(ExecOptions o)
    {
        ContainerId.Validate(o.Id);
        var state = store.Load(o.Id);
        string status = ContainerStatus.Of(state, store);
        if (status == ContainerStatus.Stopped) throw new InvalidOperationException("cannot exec in a stopped container");

        OciSpec? spec = null;
        try { spec = SpecLoader.Load(Path.Join(state.Bundle, "config.json")); }
        catch (SpecError) when (o.ProcessFile is not null) { } // process.json alone is enough
        var process = ExecProcessBuilder.Build(o, spec?.Process);
        ConsoleSocket.Check(process.Terminal, o.Detach, o.ConsoleSocket);

        var joins = new List<SpecNamespace>();
        foreach (var (type, file) in NamespaceFiles)
        {
            string theirs = $"/proc/{state.Pid}/ns/{file}";
            string? target = LinkOf(theirs);
            // Joining a namespace we are already in is refused for the user namespace: skip the same ones.
            if (target is null || target == LinkOf($"/proc/self/ns/{file}")) continue;
            joins.Add(new SpecNamespace { Type = type, Path = theirs });
        }
        if (!ContainerStatus.InitAlive(state)) throw new InvalidOperationException("cannot exec in a stopped container");
        var execSpec = new OciSpec { OciVersion = spec?.OciVersion ?? "1.2.0", Root = spec?.Root ?? new SpecRoot { Path = state.Rootfs }, Process = process, Linux = new SpecLinux { Namespaces = joins, Seccomp = spec?.Linux?.Seccomp } };
        var config = new InitConfig
        {
            Spec = execSpec, Rootfs = state.Rootfs, Bundle = state.Bundle, PreserveFds = o.PreserveFds, Exec = true, Debug = o.Debug,
            InUserNamespace = true,
        };
        debug?.Invoke($"exec: joining {string.Join(", ", joins.Select(j => j.Type))} of init {state.Pid}");
        var init = InitLauncher.Launch(config, NamespacePlan.From(execSpec, createUserNamespace: false), UserNamespacePlan.None, -1, debug,
            beforeNamespaces: stage1 =>
            {
                if (state.Cgroup is { } cg) JoinCgroup(cg.Path, stage1);
            });
        using (init)
        {
            if (o.ConsoleSocket is { } socket) init.SendConsole(socket);
            if (o.PidFile is { } pidFile) PidFile.Write(pidFile, init.Pid);
            if (o.Detach) return 0;
            using var foreground = new ForegroundProcess(init.Pid, init.TakeConsole());
            return foreground.Wait();
        }
    }

    // The kernel moves a process into a cgroup only for a writer of the common ancestor's
    // cgroup.procs: a rootless caller outside the tree that holds the container's cgroup (a scope
    // the daemon got from the user manager, exec'd into from su or a root service's child) may not.
    // Rootless runc leaves the exec'd process outside the cgroup then; so does rlrun, saying so.
    void JoinCgroup(string path, int pid)
    {
        try { Cgroups.CgroupV2.Write(path, "cgroup.procs", pid.ToString()); }
        catch (IOException e) when (ProcessCalls.geteuid() != 0)
        {
            warn?.Invoke($"exec: the process stays outside the container's cgroup ({e.Message}); run rlrun from inside the user manager's tree (systemd-run --user --scope rlrun exec ...) to have it counted");
        }
    }

    static string? LinkOf(string path)
    {
        try { return new FileInfo(path).LinkTarget; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
