using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>Bad input fails cleanly: a one-line error naming the cause, a non-zero exit, and nothing
/// left behind (no state dir, no process). Serial: it counts the test user's processes.</summary>
[Collection(SerialCollection.Name)]
public sealed class BadInputTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    /// <summary>Runs rlrun ARGS and checks the failure and that it left nothing behind.</summary>
    ProcResult Rejected(string[] args, params string[] words)
    {
        var before = OtherProcessesOfUser();
        var rootBefore = RootEntries();
        var r = _s.Rl(args);
        Assert.False(r.TimedOut, r.ToString());
        Assert.True(r.ExitCode != 0, $"expected a failure: {r}");
        string err = r.Stderr.TrimEnd('\n');
        Assert.True(err.Length > 0 && !err.Contains('\n'), $"expected one line on stderr: {r}");
        foreach (var w in words)
            Assert.True(err.Contains(w, StringComparison.OrdinalIgnoreCase), $"stderr does not name \"{w}\": {r}");

        Assert.Equal(rootBefore, RootEntries());
        // Processes of the user that were not there before (a stray init would show here).
        HashSet<int> added = [];
        var deadline = DateTime.UtcNow.AddSeconds(3);
        do
        {
            // Only ours count: the machine may run other processes as the same user meanwhile.
            added = [.. OtherProcessesOfUser().Except(before).Where(Host.IsOurs)];
            if (added.Count == 0) break;
            Thread.Sleep(50);
        } while (DateTime.UtcNow < deadline);
        Assert.True(added.Count == 0, $"new processes of the user left: {string.Join(", ", added.Select(Describe))}; {r}");
        return r;
    }

    // The PID namespaces of containers a test runs on purpose: their processes come and go.
    readonly HashSet<string> _known = [];

    (string Id, int Pid) RunDetached(string tag)
    {
        var (id, pid, _) = _s.RunDetached(tag);
        // The leak check would see a process like this one.
        Assert.True(Host.ProcessesOfUser().Contains(pid) && Host.IsOurs(pid), $"the harness does not recognise container init {pid} as the user's and ours");
        _known.Add(Host.PidNamespaceOf(pid) ?? throw new InvalidOperationException($"no pid namespace for {pid}"));
        return (id, pid);
    }

    HashSet<int> OtherProcessesOfUser() =>
        [.. Host.ProcessesOfUser().Where(p => Host.PidNamespaceOf(p) is not { } ns || !_known.Contains(ns))];

    List<string> RootEntries() => Directory.Exists(_s.StateRoot)
        ? [.. Directory.EnumerateFileSystemEntries(_s.StateRoot).Order()]
        : [];

    static string Describe(int pid)
    {
        try { return $"{pid} ({File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim()})"; }
        catch (Exception) { return pid.ToString(); }
    }

    ProcResult CreateRejected(Bundle b, string id, params string[] words)
    {
        var r = Rejected(["create", "--bundle", b.Path, id], words);
        Assert.False(Directory.Exists(_s.StateDir(id)), $"{_s.StateDir(id)} left behind");
        return r;
    }

    [UserFact]
    public void Malformed_config_json_names_the_file_and_line()
    {
        var b = _s.NewBundle(["true"]);
        File.WriteAllText(b.ConfigPath, "{\n  \"ociVersion\": \"1.2.0\",\n  \"process\": {\n    \"args\": [\"true\",, ]\n  }\n}\n");
        var r = CreateRejected(b, _s.NewId("badjson"), "config.json");
        Assert.Matches(@"config\.json:4\b", r.Stderr);
    }

    [UserFact]
    public void Process_args_not_an_array_names_the_field()
    {
        var b = _s.NewBundle(["true"], c => c["process"]!["args"] = 42);
        CreateRejected(b, _s.NewId("argsnum"), "config.json", "process.args");
    }

    [UserFact]
    public void Relative_cwd_names_the_field()
    {
        var b = _s.NewBundle(["true"], c => c["process"]!["cwd"] = "tmp");
        CreateRejected(b, _s.NewId("relcwd"), "config.json", "process.cwd");
    }

    [UserFact]
    public void Missing_rootfs_is_named()
    {
        var b = _s.NewBundle(["true"], c => c["root"]!["path"] = "no-such-rootfs");
        CreateRejected(b, _s.NewId("norootfs"), "rootfs", "no-such-rootfs");
    }

    [UserTheory]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("x..y")]
    public void Invalid_id_is_named(string id)
    {
        var b = _s.NewBundle(["true"]);
        Rejected(["create", "--bundle", b.Path, id], id);
        Rejected(["run", "--bundle", b.Path, id], id);
    }

    /// <summary>241 is what NAME_MAX leaves (see ContainerId): 242 and 300 (which used to fail at mkdir
    /// with "File name too long") are refused up front, naming the id and the limit.</summary>
    [UserTheory]
    [InlineData(242)]
    [InlineData(300)]
    public void Id_longer_than_241_characters_is_refused_up_front(int length)
    {
        var b = _s.NewBundle(["true"]);
        string id = _s.NewId("toolong"); // deleted at the end, should a regression make it
        id += new string('x', length - id.Length);
        var r = Rejected(["create", "--bundle", b.Path, id], "container id", id, "at most 241");
        Assert.DoesNotContain("too long", r.Stderr);
        Rejected(["run", "--bundle", b.Path, id], "container id", id, "at most 241");
        Assert.False(Directory.Exists(_s.StateDir(id)));
    }

    /// <summary>An ID of the longest length runs and is deleted like any other.</summary>
    [UserFact]
    public void Id_of_241_characters_runs()
    {
        var b = _s.NewBundle(["sh", "-c", "echo ran"]);
        string id = _s.NewId("long");
        id += new string('x', 241 - id.Length);
        var r = _s.Rl("run", "--bundle", b.Path, id);
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        Assert.Equal("ran\n", r.Stdout);
        Assert.False(Directory.Exists(_s.StateDir(id)), "run left its state dir");
    }

    /// <summary>With NOTIFY_SOCKET, the container's socket is ROOT/ID/notify/notify.sock: longer than
    /// sun_path's 108 bytes for a long ID, so rlrun binds it through /proc/self/fd.</summary>
    [UserFact]
    public void Id_of_241_characters_runs_with_a_notify_socket()
    {
        string hostSocket = Path.Join(_s.Dir, "notify-host.sock");
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Unspecified);
        listener.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(hostSocket));
        File.SetUnixFileMode(hostSocket, (UnixFileMode)0x1b6);
        var b = _s.NewBundle(["sh", "-c", "test -S \"$NOTIFY_SOCKET\" && echo socket"]);
        string id = _s.NewId("longnotify");
        id += new string('x', 241 - id.Length);

        var r = Proc.Run(Host.AsUser(Host.Binary, ["--root", _s.StateRoot, "run", "--bundle", b.Path, id],
            [.. Host.ShellEnv, new("NOTIFY_SOCKET", hostSocket)]));

        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        Assert.Equal("socket\n", r.Stdout);
    }

    [UserFact]
    public void Duplicate_id_fails_and_leaves_the_existing_container_alone()
    {
        var (id, pid) = RunDetached("dup");
        var before = _s.State(id);
        var other = _s.NewBundle(["true"]);
        Rejected(["create", "--bundle", other.Path, id], "already exists", id);
        Rejected(["run", "-d", "--bundle", other.Path, id], "already exists", id);
        var after = _s.State(id);
        Assert.Equal(before.ToJsonString(), after.ToJsonString());
        Assert.Equal("running", after["status"]!.GetValue<string>());
        Assert.False(Host.ProcessGone(pid), "the existing container's init died");
        Assert.True(Directory.Exists(_s.StateDir(id)));
    }

    [UserFact]
    public void Missing_executable_is_named()
    {
        var b = _s.NewBundle(["no-such-program-xyz"]);
        CreateRejected(b, _s.NewId("noexe"), "no-such-program-xyz");
        var id = _s.NewId("noexe-run");
        Rejected(["run", "--bundle", b.Path, id], "no-such-program-xyz");
        Assert.False(Directory.Exists(_s.StateDir(id)));
    }

    [UserFact]
    public void Unknown_command_is_named() => Rejected(["frobnicate"], "frobnicate");

    [UserFact]
    public void Unknown_flag_is_named()
    {
        var b = _s.NewBundle(["true"]);
        string id = _s.NewId("badflag");
        Rejected(["create", "--no-such-flag", "--bundle", b.Path, id], "no-such-flag");
        Assert.False(Directory.Exists(_s.StateDir(id)));
        Rejected(["--no-such-global", "list"], "no-such-global");
    }

    [UserFact]
    public void Unknown_signal_is_named_and_the_container_keeps_running()
    {
        var (id, pid) = RunDetached("badsig");
        var before = _s.State(id).ToJsonString();
        Rejected(["kill", id, "NOSUCHSIG"], "NOSUCHSIG");
        Assert.Equal(before, _s.State(id).ToJsonString());
        Assert.False(Host.ProcessGone(pid), "the container's init died");
    }
}
