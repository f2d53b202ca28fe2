using System.Text;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>The small rlrun and rlrun-full (issue 16): rlrun leaves the registry client, TLS and
/// layer decompression out, and becomes rlrun-full (installed beside it, as the harness copies it)
/// for pull, login and image import; run --image of an image in the store stays in rlrun, and one
/// not in the store is pulled by rlrun-full as a child. Without rlrun-full, those commands fail
/// with one line naming it and leave nothing behind.</summary>
public sealed class FullBinaryTests : IDisposable
{
    const string Missing = "/nonexistent/rlrun-full";
    readonly Sandbox _s = new();
    readonly string _storage;

    public FullBinaryTests() => _storage = Path.Join(_s.Dir, "storage");

    public void Dispose()
    {
        try { Rl([], "rmi", "--force", "localhost/small:1"); Rl([], "image", "prune"); }
        catch (Exception) { }
        _s.Dispose();
    }

    IEnumerable<KeyValuePair<string, string>> Env(KeyValuePair<string, string>[] extra) =>
    [
        .. Host.ShellEnv, new("RLRUN_STORAGE", _storage),
        // No user or system registries.conf and auth file leak in.
        new("CONTAINERS_REGISTRIES_CONF", Path.Join(_s.Dir, "registries.conf")), new("REGISTRY_AUTH_FILE", Path.Join(_s.Dir, "auth.json")),
        .. extra,
    ];

    ProcResult Rl(KeyValuePair<string, string>[] extra, params string[] args) =>
        Proc.Run(Host.AsUser(Host.Binary, ["--root", _s.StateRoot, .. args], Env(extra)), timeout: TimeSpan.FromSeconds(120));

    static readonly KeyValuePair<string, string>[] NoFull = [new("RLRUN_FULL", Missing)];

    string Layout()
    {
        string layout = Path.Join(_s.Dir, "layout");
        OciLayoutWriter.Write(layout, ImageRunFixture.BuildLayers(), refName: "1");
        Host.ChownToUser(layout);
        return layout;
    }

    static bool Holds(string file, string ascii) => File.ReadAllBytes(file).AsSpan().IndexOf(Encoding.ASCII.GetBytes(ascii)) >= 0;

    /// <summary>What the small build leaves out is not in it (ILC trimmed it), and is in rlrun-full.</summary>
    [Fact]
    public void The_small_rlrun_carries_no_registry_client_and_rlrun_full_does()
    {
        string small = Host.Binary, full = Path.Join(Path.GetDirectoryName(small)!, "rlrun-full");
        Assert.True(File.Exists(full), $"{full} is missing: make build builds it beside rlrun");
        foreach (var name in new[] { "ZstdSharp", "System.Net.Http", "HttpClient" })
        {
            Assert.False(Holds(small, name), $"the small rlrun still carries {name}");
            Assert.True(Holds(full, name), $"rlrun-full does not carry {name}");
        }
        // 8.5 MB against 13.1 MB when this was written.
        long s = new FileInfo(small).Length, f = new FileInfo(full).Length;
        Assert.True(f - s > 3_000_000, $"rlrun is {s} bytes, rlrun-full {f}: the small build is not small");
    }

    [SubIdTheory]
    [InlineData("pull", "127.0.0.1:1/small:1")]
    [InlineData("login", "127.0.0.1:1")]
    [InlineData("image import", "LAYOUT")]
    public void Without_rlrun_full_a_command_it_does_fails_naming_it_and_stores_nothing(string command, string arg)
    {
        string[] words = [.. command.Split(' '), arg == "LAYOUT" ? Layout() : arg];
        var r = Rl(NoFull, words);
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Equal($"rlrun: {command}: {Missing} is not installed: {command} is done by rlrun-full (make install puts it beside rlrun)", r.Stderr.Trim());
        Assert.False(Directory.Exists(_storage), $"{command} made the store {_storage}");
    }

    /// <summary>An rlrun-full that is there but cannot be run is named for what it is, not as missing.</summary>
    [SubIdFact]
    public void A_full_binary_that_is_not_executable_is_named_so()
    {
        string notExecutable = Path.Join(_s.Dir, "rlrun-full");
        File.WriteAllText(notExecutable, "#!/bin/sh\n");
        File.SetUnixFileMode(notExecutable, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var r = Rl([new("RLRUN_FULL", notExecutable)], "pull", "127.0.0.1:1/small:1");
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Equal($"rlrun: pull: {notExecutable} is not executable: pull is done by rlrun-full (make install puts it beside rlrun)", r.Stderr.Trim());
    }

    /// <summary>`RLRUN_FULL= rlrun pull` (empty) is unset, as for any shell variable: the rlrun-full
    /// beside rlrun pulls (here: and finds no registry), rather than an error naming an empty path.</summary>
    [SubIdFact]
    public void An_empty_RLRUN_FULL_means_the_one_beside_rlrun()
    {
        var r = Rl([new("RLRUN_FULL", "")], "pull", "127.0.0.1:1/small:1");
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.DoesNotContain("is not installed", r.Stderr);
        Assert.Contains("127.0.0.1:1", r.Stderr);
    }

    /// <summary>The image in the store: no rlrun-full needed (the image run is the small binary's own).</summary>
    [SubIdFact]
    public void Run_of_an_image_in_the_store_needs_no_rlrun_full()
    {
        Assert.True(Rl([], "image", "import", Layout(), "localhost/small:1") is { ExitCode: 0 } import, "import failed");
        var r = Rl(NoFull, "run", "--rm", "--network", "none", "--image", "localhost/small:1", _s.NewId("small-instore"), "--", "cat", "/etc/motd");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("top", r.Stdout.Trim());
    }

    /// <summary>Not in the store and no rlrun-full to pull it: one line naming it, no container left.</summary>
    [SubIdFact]
    public void Run_of_a_missing_image_without_rlrun_full_names_it_and_leaves_no_container()
    {
        string id = _s.NewId("small-nofull");
        var r = Rl(NoFull, "run", "--rm", "--network", "none", "--image", "127.0.0.1:1/small/absent:1", id, "--", "true");
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Contains(Missing, r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(_s.StateDir(id)), "the failed run left its state");
    }

    /// <summary>run --image of an image not in the store, on a terminal (script(1)): the rlrun-full
    /// pull child and the progress lines passed on leave the user's terminal alone. Started sharing
    /// the terminal, .NET's Process.Start initialized the console for it and wrote ESC[?1h ESC=
    /// (application cursor keys and keypad) to it, twice, which nothing wrote back.</summary>
    [RegistryFact]
    public void The_pull_of_run_image_on_a_terminal_writes_no_terminal_modes()
    {
        using var registry = new LoopbackRegistry();
        registry.Push(Layout(), "small/tty:1", layoutRef: "1");
        string image = $"{registry.Host}/small/tty:1";
        var spec = Host.AsUser(Host.Binary, ["--root", _s.StateRoot, "run", "--rm", "--network", "none", "--image", image, _s.NewId("small-tty"), "--", "cat", "/etc/motd"], Env([TerminalOutputTests.Term]));
        var r = TerminalOutputTests.OnTerminal(spec, TimeSpan.FromSeconds(120));
        Rl([], "rmi", "--force", image);
        Assert.True(r.ExitCode == 0, r.ToString());
        // The pty merges the pull's progress (stderr) with the container's output.
        Assert.Contains($"Trying to pull {image}", r.Stdout);
        Assert.Contains("top", r.Stdout);
        TerminalOutputTests.AssertNoTerminalModes(r.Stdout);
    }

    /// <summary>run --image killed (SIGTERM: kill, timeout(1), a unit's stop) while rlrun-full pulls
    /// for it: the pull ends with it. It went on, orphaned, until it had the image (here, at 1 KB/s,
    /// for many minutes).</summary>
    [RegistryFact]
    public void A_signal_that_ends_run_image_during_its_pull_ends_the_pull()
    {
        using var registry = new LoopbackRegistry();
        registry.Push(Layout(), "small/slow:1", layoutRef: "1");
        using var proxy = new RegistryProxy(registry.Host) { BlobRate = 1024 };
        string image = $"{proxy.Host}/small/slow:1";
        using var run = Proc.Start(Host.AsUser(Host.Binary,
            ["--root", _s.StateRoot, "run", "--rm", "--network", "none", "--image", image, _s.NewId("small-slow"), "--", "true"], Env([])));
        int? pull = null;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !run.HasExited && (pull = PullOf(image)) is null) Thread.Sleep(10);
        Assert.True(pull is not null, $"no rlrun-full pull of {image} seen: {run.Stderr}");
        Host.Signal(run.Pid, Host.SIGTERM);
        var r = run.Wait(TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode != 0 && !r.TimedOut, r.ToString());
        // A bounded wait for the pull to go (its own cleanup), not a measure of how fast.
        deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && Alive(pull!.Value)) Thread.Sleep(20);
        bool alive = Alive(pull!.Value);
        if (alive) Host.Signal(pull.Value, Host.SIGKILL);
        Assert.False(alive, $"rlrun-full pull (PID {pull}) still ran after run --image ended");
    }

    /// <summary>run --image killed with -9 while rlrun-full pulls for it: no handler of its sees that
    /// signal, and the pull, started by Process.Start, went on orphaned until it had the image. It
    /// is now spawned asking for a parent-death signal (src/Native/parentdeath.c).</summary>
    [RegistryFact]
    public void Kill_9_of_run_image_during_its_pull_ends_the_pull()
    {
        using var registry = new LoopbackRegistry();
        registry.Push(Layout(), "small/slow9:1", layoutRef: "1");
        using var proxy = new RegistryProxy(registry.Host) { BlobRate = 1024 };
        string image = $"{proxy.Host}/small/slow9:1";
        using var run = Proc.Start(Host.AsUser(Host.Binary,
            ["--root", _s.StateRoot, "run", "--rm", "--network", "none", "--image", image, _s.NewId("small-slow9"), "--", "true"], Env([])));
        int? pull = null;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !run.HasExited && (pull = PullOf(image)) is null) Thread.Sleep(10);
        Assert.True(pull is not null, $"no rlrun-full pull of {image} seen: {run.Stderr}");
        Host.Signal(run.Pid, Host.SIGKILL);
        var r = run.Wait(TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 137 && !r.TimedOut, r.ToString());
        // A bounded wait for the pull to go, not a measure of how fast.
        deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && Alive(pull!.Value)) Thread.Sleep(20);
        bool alive = Alive(pull!.Value);
        if (alive) Host.Signal(pull.Value, Host.SIGKILL);
        Assert.False(alive, $"rlrun-full pull (PID {pull}) still ran after run --image was killed with -9");
    }

    /// <summary>A malformed reference is said by rlrun itself, in the words rlrun-full's pull uses:
    /// it started rlrun-full (here missing, so it named the missing binary instead) to learn it.</summary>
    [SubIdFact]
    public void Run_of_a_malformed_reference_is_refused_without_rlrun_full()
    {
        string id = _s.NewId("small-bad");
        var r = Rl(NoFull, "run", "--rm", "--network", "none", "--image", "BAD::ref", id, "--", "true");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("rlrun: run: image not known: \"BAD::ref\" (not in the store, and pulling it failed: invalid image reference \"BAD::ref\": [REGISTRY/]NAME[:TAG][@sha256:DIGEST] expected, with lowercase names)",
            r.Stderr.Trim());
        Assert.False(Directory.Exists(_s.StateDir(id)), "the failed run left its state");
    }

    /// <summary>The PID of a `rlrun-full pull ... IMAGE` into this test's store, if one runs.</summary>
    int? PullOf(string image)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            string[] argv;
            try { argv = File.ReadAllText(Path.Join(dir, "cmdline")).Split('\0'); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            if (argv.Length > 3 && argv[0].EndsWith("rlrun-full", StringComparison.Ordinal) && argv[1] == "pull"
                && argv.Contains(_storage) && argv.Contains(image)) return pid;
        }
        return null;
    }

    /// <summary>Running (a zombie is dead: this machine's PID 1 reaps orphans late).</summary>
    static bool Alive(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/stat").Split(") ")[^1].Split(' ')[0] != "Z"; }
        catch (IOException) { return false; }
    }

    /// <summary>`make install PREFIX=DIR` of the binaries under test: PREFIX/bin/rlrun with its companions.</summary>
    string Install()
    {
        string prefix = Path.Join(_s.Dir, "prefix"), bin = Path.GetDirectoryName(Host.Binary)!;
        // -o build: the binaries under test, not a rebuild (make test has built them).
        var make = Proc.Run("/usr/bin/make", ["-C", Host.RepoRoot, "-o", "build", "install", $"PREFIX={prefix}", $"BIN={Host.Binary}",
            $"SUPERVISOR={Path.Join(bin, "rlrun-supervisor")}", $"INIT={Path.Join(bin, "rlrun-init")}", $"FULL={Path.Join(bin, "rlrun-full")}"],
            timeout: TimeSpan.FromSeconds(60));
        Assert.True(make.ExitCode == 0, make.ToString());
        Host.ChownToUser(prefix);
        return Path.Join(prefix, "bin", "rlrun");
    }

    /// <summary>pull through make install's layout: rlrun execs the rlrun-full beside it, which pulls
    /// from a loopback registry into the store; run --image of another tag not in the store pulls
    /// it through rlrun-full as a child and runs it, progress on stderr as a pull prints it.</summary>
    [RegistryFact]
    public void Pull_and_the_pull_of_run_image_go_through_rlrun_full()
    {
        using var registry = new LoopbackRegistry();
        string layout = Layout();
        registry.Push(layout, "small/pulled:1", layoutRef: "1");
        registry.Push(layout, "small/pulled:2", layoutRef: "1");
        string one = $"{registry.Host}/small/pulled:1", two = $"{registry.Host}/small/pulled:2";

        string installed = Install();
        var pull = Proc.Run(Host.AsUser(installed, ["--root", _s.StateRoot, "pull", "--quiet", one], Env([])), timeout: TimeSpan.FromSeconds(120));
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Matches("^(sha256:)?[0-9a-f]{64}$", pull.Stdout.Trim());
        var run = Rl([], "run", "--rm", "--network", "none", "--image", two, _s.NewId("small-pulled"), "--", "cat", "/etc/motd");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("top", run.Stdout.Trim());
        Assert.Contains($"Trying to pull {two}", run.Stderr);
        Assert.Contains($"{registry.Host}/small/pulled", Rl([], "images").Stdout);
        Rl([], "rmi", "--force", one);
        Rl([], "rmi", "--force", two);
    }
}
