using System.Text;
using Rlrun.Runtime.Cgroups;
using Rlrun.Runtime.Interop;
using Rlrun.Runtime.Rootfs;
using Rlrun.Runtime.Seccomp;
using Rlrun.Runtime.State;
using Rlrun.Runtime.Spec;
using Rlrun.Runtime.Syscalls;

namespace Rlrun.Runtime.Process;

/// <summary>Stage 2, `rlrun init`: runs inside every namespace as the container's PID 1, sets it up,
/// reports "created", waits for start, and becomes process.args with execve.</summary>
public sealed class ContainerInit(InitChannel channel, ISyscalls sys)
{
    InitConfig _config = new();
    bool _created;
    bool _setgroupsAllowed = true;

    public static int Main(int fd)
    {
        Started = System.Diagnostics.Stopwatch.GetTimestamp();
        var init = new ContainerInit(new InitChannel(fd), LinuxSyscalls.Instance);
        try
        {
            init.Run();
            return 0; // not reached: Run execs
        }
        catch (Exception e)
        {
            init.Report(e.Message);
            return 1;
        }
    }

    void Report(string message)
    {
        // Before "created", stage 0 waits for our answer; after, it may be gone and stderr is the container's.
        try
        {
            if (!_created) { channel.Send(FrameType.Error, message); return; }
        }
        catch (Exception) { }
        StdErr($"rlrun init: {message}");
    }

    // A raw write: Console would start a thread, which a seccomp filter or RLIMIT_NPROC may refuse.
    static void StdErr(string line)
    {
        try { Libc.WriteAll(2, System.Text.Encoding.UTF8.GetBytes(line + "\n"), "stderr"); }
        catch (SyscallException) { }
    }

    /// <summary>When Main began: said as the first debug line, once the config says to.</summary>
    static long Started;

    void Debug(string line) => Debug(line, System.Diagnostics.Stopwatch.GetTimestamp());

    void Debug(string line, long timestamp)
    {
        if (_config.Debug && !_created) channel.Send(FrameType.Debug, DebugClock.Stamp(line, timestamp));
    }

    public void Run()
    {
        var frame = channel.Receive() ?? throw new IOException("init socket closed before the config arrived");
        long received = System.Diagnostics.Stopwatch.GetTimestamp();
        if (frame.Type != FrameType.Config) throw new IOException($"init socket: expected the config, got frame {frame.Type}");
        // The build is checked first, before any field is read (InitConfigCodec).
        _config = InitConfigCodec.Decode(frame.Payload);
        var spec = _config.Spec;
        var process = spec.Process ?? throw new SpecError("config.json: field process: missing");
        Debug("init: started", Started);
        Debug("init: config frame read", received);
        Debug("init: config decoded");

        // "deny" where the maps were written without a helper; the user switch must then skip setgroups.
        _setgroupsAllowed = File.ReadAllText("/proc/self/setgroups").Trim() != "deny";
        // Modes we ask for (devices 0666, dirs 0755) are the modes we get, whatever rlrun's caller had.
        FileCalls.umask(0);
        // runc's init leads a session of its own (a terminal's does so in ContainerConsole): a signal
        // to the caller's process group (conmon's, a shell's) does not reach the container.
        if (!process.Terminal) SyscallException.Check(ProcessCalls.setsid(), "setsid");
        if (!_config.Exec) SetUpContainer(spec, process);
        else if (process.Terminal) ContainerConsole.SetUp(channel, process, bindConsole: false);
        // Inside the container's root now: its /etc/passwd names the user's home.
        process.Env = HomeDirectory.WithHome(process.Env, process.User.Uid, () => HomeDirectory.ReadPasswd());

        try { sys.Chdir(process.Cwd); }
        catch (SyscallException e) { throw new IOException($"process.cwd {process.Cwd}: {e.Message}", e); }
        if (Directory.GetCurrentDirectory() is not { } cwd || !cwd.StartsWith('/'))
            throw new IOException($"process.cwd {process.Cwd}: the working directory is not inside the container");
        string executable = ExecutableLookup.Resolve(process.Args![0], process.Env);
        _seccomp = spec.Linux?.Seccomp is { } profile ? SeccompPlan.From(profile) : null;
        // A notify listener must reach stage 0 before it goes away (create returns at "created").
        if (_seccomp is { UsesNotify: true }) SendListener(LoadSeccomp());

        if (_config.Exec) SetRlimits(process);
        channel.Send(FrameType.Created);
        _created = true;
        if (!_config.Exec)
        {
            WaitForStart();
            HookRunner.RunAll("startContainer", spec.Hooks?.StartContainer, StateJson(ContainerStatus.Created));
        }
        Exec(process, executable);
    }

    SeccompPlan? _seccomp;

    byte[] StateJson(string status) => OciState.Json(_config.Id, status, _config.HostPid, _config.Bundle, _config.Spec.Annotations);

    int LoadSeccomp()
    {
        var plan = _seccomp!;
        _seccomp = null;
        return SeccompLoader.Load(plan, w => Debug(w));
    }

    void SendListener(int fd)
    {
        try { channel.SendFd(FrameType.SeccompListener, fd); }
        finally { Libc.close(fd); }
    }

    void SetUpContainer(OciSpec spec, SpecProcess process)
    {
        if (_config.NewNetwork) SocketCalls.SetLinkUp("lo");
        var rootfs = new RootfsBuilder(sys, _config, Debug, CgroupV1Hierarchies.OfThisProcess(_config.Rootfs));
        rootfs.Build();
        var hooks = spec.Hooks;
        if (hooks?.Prestart is { Count: > 0 } || hooks?.CreateRuntime is { Count: > 0 })
        {
            // These run in the runtime's namespaces, so stage 0 runs them; we wait.
            channel.Send(FrameType.RuntimeHooks);
            var done = channel.Receive();
            if (done?.Type != FrameType.HooksDone) throw new IOException("the runtime went away while running hooks");
            if (done.Value.Payload.Length > 0) throw new HookFailedException(Encoding.UTF8.GetString(done.Value.Payload));
        }
        HookRunner.RunAll("createContainer", hooks?.CreateContainer, StateJson(ContainerStatus.Creating));
        foreach (var (key, value) in spec.Linux?.Sysctl ?? []) ProcFiles.WriteSysctl(key, value);
        if (process.OomScoreAdj is int adj) ProcFiles.Write("/proc/self/oom_score_adj", adj.ToString());
        SetRlimits(process);
        if (_config.NewUts)
        {
            if (!string.IsNullOrEmpty(spec.Hostname)) sys.Sethostname(spec.Hostname);
            if (!string.IsNullOrEmpty(spec.Domainname)) sys.Setdomainname(spec.Domainname);
        }
        Debug("init: rootfs built");
        rootfs.SwitchRoot();
        if (process.Terminal) ContainerConsole.SetUp(channel, process, bindConsole: true);
        rootfs.Finish();
    }

    /// <summary>Early (still root with every capability, so a hard limit may be raised): all limits
    /// except those that would starve the .NET runtime of address space or threads, which are set
    /// last, just before execve; those are set early too where they only raise the hard limit.</summary>
    static void SetRlimits(SpecProcess process)
    {
        foreach (var r in process.Rlimits ?? [])
        {
            if (Rlimits.StarvesRuntime(r.Type) && !Rlimits.RaisesHardLimit(r)) continue;
            SetRlimit(r);
        }
    }

    static void SetLateRlimits(SpecProcess process)
    {
        foreach (var r in process.Rlimits ?? [])
            if (Rlimits.StarvesRuntime(r.Type)) SetRlimit(r);
    }

    static void SetRlimit(SpecRlimit r)
    {
        var limit = new ProcessCalls.RLimit { cur = r.Soft, max = r.Hard };
        SyscallException.Check(ProcessCalls.setrlimit(Rlimits.NumberOf(r.Type), limit), "setrlimit", r.Type);
    }

    void WaitForStart()
    {
        if (_config.FifoFd < 0)
        {
            var go = channel.Receive();
            if (go?.Type != FrameType.Start) throw new IOException("the runtime went away before start");
            return;
        }
        // A create that died before it wrote state.json leaves no record of this init: without the
        // word that it did, blocking on the fifo would leave a container nothing knows of.
        var committed = channel.Receive();
        if (committed?.Type != FrameType.Committed) throw new IOException("the runtime went away before it recorded the container");
        // Blocks until `rlrun start` opens the fifo for reading; the byte tells it we got past open.
        string fifo = $"/proc/self/fd/{_config.FifoFd}";
        int fd;
        while ((fd = Libc.open(fifo, Libc.O_WRONLY | Libc.O_CLOEXEC, 0)) < 0 && Libc.LastErrno == Libc.EINTR) { }
        SyscallException.Check(fd, "open", "exec fifo");
        Libc.WriteAll(fd, "0"u8, "exec fifo");
        // Left open (close-on-exec): `start` waits for its hang-up, so poststart runs after execve.
    }

    void Exec(SpecProcess process, string executable)
    {
        // Every fd past the preserved ones closes at execve (CVE-2024-21626): ours, and the runtime's.
        uint first = 3 + (uint)_config.PreserveFds;
        SyscallException.Check(FileCalls.close_range(first, uint.MaxValue, FileCalls.CLOSE_RANGE_CLOEXEC), "close_range");
        for (int fd = 3; fd < first; fd++) Libc.fcntl(fd, Libc.F_SETFD, 0);

        FileCalls.umask((int)(process.User.Umask ?? 0x12)); // 0022 unless process.user.umask says otherwise
        // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: before the caps go (runc's order).
        if (_seccomp is not null && !process.NoNewPrivileges) LoadSeccomp();
        var caps = process.Capabilities is { } c
            ? new CapabilitySetter(c, w => StdErr($"rlrun init: warning: {w}"), d => { if (_config.Debug) StdErr($"rlrun init: debug: {d}"); })
            : null;
        caps?.DropBounding();
        SyscallException.Check(ProcessCalls.prctl(ProcessCalls.PR_SET_KEEPCAPS, 1, 0, 0, 0), "prctl(PR_SET_KEEPCAPS)");
        UserSwitch.Apply(process.User, _setgroupsAllowed);
        SyscallException.Check(ProcessCalls.prctl(ProcessCalls.PR_SET_KEEPCAPS, 0, 0, 0, 0), "prctl(PR_SET_KEEPCAPS)");
        caps?.Apply();
        if (process.NoNewPrivileges)
            SyscallException.Check(ProcessCalls.prctl(ProcessCalls.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)");
        // After the user switch the cwd may need the new user's permissions: enter it again.
        if (MountCalls.chdir(process.Cwd) < 0)
            throw new IOException($"process.cwd {process.Cwd}: {new SyscallException("chdir", Libc.LastErrno, $"as uid {process.User.Uid}").Message}");

        using var argv = new NativeStringArray(process.Args!);
        using var envp = new NativeStringArray(process.Env ?? []);
        // With no_new_privs, as late as possible: the fewest of our own syscalls pass through it.
        if (_seccomp is not null) LoadSeccomp();
        SetLateRlimits(process);
        int errno;
        unsafe { errno = SignalDispositions.ExecClean(executable, argv.Pointer, envp.Pointer); }
        throw new SyscallException("exec", errno, executable);
    }
}
