using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>process.terminal with --console-socket, as conmon and runc's recvtty use it: rlrun sends
/// the pty master over the unix socket (SCM_RIGHTS); the container's stdio is the pty's other end.</summary>
public sealed class TerminalTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    static void Ok(ProcResult r) => Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());

    [UserFact]
    public void Console_socket_receives_a_pty_master_that_carries_the_containers_output()
    {
        // It stays up after its output (the cleanup kills it): a process that exits at once can make
        // `start` fail (see StartTests), which is not what this test is about.
        var b = _s.NewBundle(["sh", "-c", "tty; ls -l /dev/console; echo term-done; exec sleep 100"], c => c["process"]!["terminal"] = true);
        string id = _s.NewId("tty");
        using var receiver = new ConsoleReceiver(Path.Join(_s.Dir, "console.sock"));

        var create = _s.Rl("create", "--bundle", b.Path, "--console-socket", receiver.Path, id);
        Ok(create);
        int master = receiver.WaitForFd(TimeSpan.FromSeconds(10));
        Assert.True(ConsoleReceiver.PtyNumber(master) is int, "the fd received is not a pty master (ioctl TIOCGPTN failed)");
        int ptyNumber = ConsoleReceiver.PtyNumber(master)!.Value;
        Assert.Contains("ptmx", new FileInfo($"/proc/self/fd/{master}").LinkTarget ?? "");

        using var reader = new PtyReader(master);
        var start = _s.Rl("start", id);
        // An init that fails after "created" says why on its stderr: the pty.
        if (start.ExitCode != 0) Assert.Fail($"{start}\n--- the pty said ---\n{reader.ReadUntil("\n", TimeSpan.FromSeconds(1))}");
        string output = reader.ReadUntil("term-done", TimeSpan.FromSeconds(10));
        Assert.True(output.Contains("term-done"), $"the pty master did not carry the container's output; read so far: \"{output}\"");
        var lines = output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"/dev/pts/{ptyNumber}", lines[0]);
        // /dev/console is the pty slave: a char device with the pts major (136).
        Assert.Matches(new Regex(@"^c\S+\s+\d+\s+\S+\s+\S+\s+136,\s*" + ptyNumber + @"\b.*/dev/console$"), lines[1]);
        Assert.Equal("running", _s.Status(id));
    }

    [UserFact]
    public void Terminal_without_console_socket_fails_naming_the_flag()
    {
        var b = _s.NewBundle(["true"], c => c["process"]!["terminal"] = true);
        foreach (var command in new[] { new[] { "create" }, ["run", "-d"] })
        {
            string id = _s.NewId("notty");
            var r = _s.Rl([.. command, "--bundle", b.Path, id]);
            Assert.False(r.TimedOut, r.ToString());
            Assert.True(r.ExitCode != 0, $"{command[0]} with a terminal and no console socket succeeded: {r}");
            Assert.Contains("--console-socket", r.Stderr);
            Assert.False(Directory.Exists(_s.StateDir(id)), $"{_s.StateDir(id)} left behind: {r}");
        }
    }

    /// <summary>The command in a session of its own (setsid): no controlling terminal, whatever the
    /// test runner has, and stdio pipes: no terminal anywhere.</summary>
    static ProcSpec WithoutTerminal(ProcSpec spec) => new("/usr/bin/setsid", ["-w", spec.File, .. spec.Args], spec.Env, spec.ClearEnv);

    /// <summary>A foreground run or exec -t whose process asks for a terminal, with no terminal of the
    /// caller's (stdin, stdout, stderr or /dev/tty) to connect it to: refused as runc refuses ("open
    /// /dev/tty: no such device or address"), naming process.terminal, nothing left. rlrun ran it on
    /// a pty nobody typed into.</summary>
    [UserFact]
    public void A_foreground_terminal_without_a_terminal_of_ours_is_refused_as_runc_refuses()
    {
        var b = _s.NewBundle(["sh", "-c", "echo ran; exit 3"], c => c["process"]!["terminal"] = true);
        string id = _s.NewId("nottyrun");
        var r = Proc.Run(WithoutTerminal(_s.RlSpec(["run", "--bundle", b.Path, id])), timeout: TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 1 && !r.TimedOut, r.ToString());
        Assert.Equal("rlrun: run: the process asks for a terminal (process.terminal) but rlrun has none to connect it to (stdin, stdout and stderr are not terminals, and open /dev/tty: No such device or address): run it from a terminal, give --console-socket, or set process.terminal to false",
            r.Stderr.Trim());
        Assert.DoesNotContain("ran", r.Stdout);
        Assert.False(Directory.Exists(_s.StateDir(id)), $"{_s.StateDir(id)} left behind: {r}");

        // From a terminal (script(1) gives one) the same bundle runs, its exit code returned.
        var onTerminal = TerminalOutputTests.OnTerminal(Host.AsUser(Host.Binary, ["--root", _s.StateRoot, "run", "--bundle", b.Path, _s.NewId("ttyrun")], Host.ShellEnv));
        Assert.True(onTerminal.ExitCode == 3, onTerminal.ToString());
        Assert.Contains("ran", onTerminal.Stdout);

        // exec -t of a running container: the same rule.
        var sleeper = _s.NewBundle(["sleep", "100"]);
        string running = _s.NewId("nottyexec");
        Ok(_s.Rl("run", "-d", "--bundle", sleeper.Path, running));
        try
        {
            var exec = Proc.Run(WithoutTerminal(_s.RlSpec(["exec", "-t", running, "true"])), timeout: TimeSpan.FromSeconds(30));
            Assert.True(exec.ExitCode != 0 && !exec.TimedOut, exec.ToString());
            Assert.Contains("the process asks for a terminal (process.terminal) but rlrun has none", exec.Stderr);
        }
        finally { _s.Rl("delete", "--force", running); }
    }
}

/// <summary>A unix socket listener that takes one connection and receives one fd (SCM_RIGHTS).
/// The socket file is made connectable by the test user.</summary>
sealed partial class ConsoleReceiver : IDisposable
{
    readonly Socket _listener;
    readonly Task<int> _accept;
    public string Path { get; }

    public ConsoleReceiver(string path)
    {
        Path = path;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        File.SetUnixFileMode(path, (UnixFileMode)0x1ff); // 0777: connect needs write permission
        _listener.Listen(1);
        _accept = Task.Factory.StartNew(() =>
        {
            using var conn = _listener.Accept();
            return ReceiveFd((int)conn.SafeHandle.DangerousGetHandle());
        }, TaskCreationOptions.LongRunning);
    }

    public int WaitForFd(TimeSpan timeout)
    {
        if (!_accept.Wait(timeout)) throw new TimeoutException($"nothing connected to {Path} within {timeout.TotalSeconds}s");
        return _accept.Result;
    }

    [StructLayout(LayoutKind.Sequential)]
    struct IoVec { public nint Base; public nuint Len; }

    [StructLayout(LayoutKind.Sequential)]
    struct MsgHdr { public nint Name; public uint NameLen; public nint Iov; public nuint IovLen; public nint Control; public nuint ControlLen; public int Flags; }

    const int SOL_SOCKET = 1, SCM_RIGHTS = 1;
    const uint TIOCGPTN = 0x80045430;

    [LibraryImport("libc", SetLastError = true)] private static unsafe partial nint recvmsg(int fd, MsgHdr* msg, int flags);
    [LibraryImport("libc", SetLastError = true)] private static unsafe partial int ioctl(int fd, nuint request, int* arg);
    [LibraryImport("libc", SetLastError = true)] internal static partial int close(int fd);

    static unsafe int ReceiveFd(int socket)
    {
        byte* data = stackalloc byte[256];
        // cmsghdr (len 8, level 4, type 4) + one int, aligned: CMSG_SPACE(4) = 24; room for a few.
        byte* control = stackalloc byte[64];
        var iov = new IoVec { Base = (nint)data, Len = 256 };
        var msg = new MsgHdr { Iov = (nint)(&iov), IovLen = 1, Control = (nint)control, ControlLen = 64 };
        nint n = recvmsg(socket, &msg, 0x40000000 /* MSG_CMSG_CLOEXEC */);
        if (n < 0) throw new IOException($"recvmsg failed: errno {Marshal.GetLastPInvokeError()}");
        if (msg.ControlLen < 16) throw new IOException($"recvmsg: no ancillary data with the {n}-byte message \"{Encoding.UTF8.GetString(data, (int)n)}\"");
        ulong len = *(ulong*)control;
        int level = *(int*)(control + 8), type = *(int*)(control + 12);
        if (level != SOL_SOCKET || type != SCM_RIGHTS || len < 20) throw new IOException($"recvmsg: ancillary data is not SCM_RIGHTS (level {level}, type {type})");
        return *(int*)(control + 16);
    }

    /// <summary>The pty number of a pty master (TIOCGPTN), or null if FD is not one.</summary>
    public static unsafe int? PtyNumber(int fd)
    {
        int n;
        return ioctl(fd, TIOCGPTN, &n) == 0 ? n : null;
    }

    public void Dispose()
    {
        _listener.Dispose();
        if (_accept.IsCompletedSuccessfully) { /* the fd is the PtyReader's to close */ }
        try { File.Delete(Path); } catch (IOException) { }
    }
}

/// <summary>Reads a pty master on a thread (poll with a short timeout, so it never hangs) until
/// EIO (every slave closed) or disposal; closes the fd.</summary>
sealed partial class PtyReader : IDisposable
{
    readonly int _fd;
    readonly StringBuilder _text = new();
    readonly Thread _thread;
    volatile bool _stop;

    [StructLayout(LayoutKind.Sequential)]
    struct PollFd { public int Fd; public short Events; public short Revents; }

    [LibraryImport("libc", SetLastError = true)] private static unsafe partial int poll(PollFd* fds, nuint n, int timeout);
    [LibraryImport("libc", SetLastError = true)] private static unsafe partial nint read(int fd, byte* buf, nuint count);

    public PtyReader(int fd)
    {
        _fd = fd;
        _thread = new Thread(Pump) { IsBackground = true, Name = "pty-reader" };
        _thread.Start();
    }

    unsafe void Pump()
    {
        var buf = new byte[4096];
        while (!_stop)
        {
            var p = new PollFd { Fd = _fd, Events = 1 /* POLLIN */ };
            int rc = poll(&p, 1, 100);
            if (rc == 0) continue;
            if (rc < 0) { if (Marshal.GetLastPInvokeError() == 4) continue; return; }
            nint n;
            fixed (byte* b = buf) n = read(_fd, b, (nuint)buf.Length);
            if (n <= 0) return; // EIO: the container's side is closed
            lock (_text) _text.Append(Encoding.UTF8.GetString(buf, 0, (int)n));
        }
    }

    public string Text { get { lock (_text) return _text.ToString(); } }

    public string ReadUntil(string wanted, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !Text.Contains(wanted) && _thread.IsAlive) Thread.Sleep(20);
        return Text;
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join(1000);
        ConsoleReceiver.close(_fd);
    }
}
