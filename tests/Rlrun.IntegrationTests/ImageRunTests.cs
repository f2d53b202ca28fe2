using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>One image for the whole class: three layers built here (busybox, users, a file of
/// uid 1000, a hard link, a whiteout, an opaque directory), imported once with `rlrun image import`.</summary>
public sealed class ImageRunFixture : IDisposable
{
    public const string Image = "localhost/ovl:1";
    public Sandbox Sandbox { get; } = new();
    public string Storage { get; }
    public string ImageId { get; } = "";
    /// <summary>The unpacked layers' directories, bottom first.</summary>
    public List<string> Layers { get; } = [];
    public string? Error { get; }
    /// <summary>The image's OCI layout (also pushed to a loopback registry by the pull-on-run test).</summary>
    public string Layout { get; }

    public ImageRunFixture()
    {
        Storage = Path.Join(Sandbox.Dir, "storage");
        string layout = Layout = Path.Join(Sandbox.Dir, "layout");
        if (Host.SubUid is null) { Error = "no subordinate IDs"; return; }
        OciLayoutWriter.Write(layout, BuildLayers(), refName: "1", editConfig: c =>
        {
            c["config"]!["Cmd"] = new JsonArray("echo", "hello from the image");
            c["config"]!["Labels"] = new JsonObject { ["com.example.role"] = "test" };
            c["config"]!["StopSignal"] = "SIGINT";
        });
        Host.ChownToUser(layout);
        var r = Rl(["image", "import", layout, Image]);
        if (r.ExitCode != 0) { Error = r.ToString(); return; }
        ImageId = r.Stdout.Trim();
        var inspect = JsonNode.Parse(Rl(["image", "inspect", Image]).EnsureSuccess("image inspect").Stdout)!.AsArray()[0]!;
        foreach (var l in inspect["layer_records"]!.AsArray()) Layers.Add(l!["path"]!.GetValue<string>());
    }

    /// <summary>The image's layers, bottom first (the same bytes each call).</summary>
    public static IReadOnlyList<byte[]> BuildLayers()
    {
        var bottom = new LayerBuilder()
            .Dir("bin").File("bin/busybox", File.ReadAllBytes("/bin/busybox"), mode: 0x1ed)
            .Dir("etc").File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n")
            .File("etc/group", "root:x:0:\napp:x:1000:\nextra:x:2000:app\n")
            .File("etc/base", "base").File("etc/removed", "hidden by a whiteout")
            .Dir("home").Dir("home/app", uid: 1000, gid: 1000).File("home/app/data", "mine\n", uid: 1000, gid: 1000)
            .Dir("opt").File("opt/old", "hidden by opaque")
            .File("bin/tool", "tool").HardLink("bin/tool-link", "bin/tool")
            .Dir("tmp", mode: 0x3ff).Dir("proc").Dir("dev").Dir("sys");
        foreach (var applet in new[] { "sh", "cat", "ls", "stat", "ln", "rm", "echo", "test", "id", "sleep", "touch", "hostname", "pwd", "head", "grep" })
            bottom.Symlink($"bin/{applet}", "busybox");
        return
        [
            bottom.Build(),
            new LayerBuilder().Dir("etc").Whiteout("etc/removed").Dir("opt").Opaque("opt").File("opt/new", "fresh").Build(),
            new LayerBuilder().Dir("etc").File("etc/motd", "top\n").Build(),
        ];
    }

    public IEnumerable<KeyValuePair<string, string>> Env =>
        [.. Host.ShellEnv, new("RLRUN_STORAGE", Storage), new("RLRUN_RESTART__INITIAL_DELAY", "50ms"), new("XDG_STATE_HOME", Path.Join(Sandbox.Dir, "state-home"))];

    public ProcResult Rl(IEnumerable<string> args, TimeSpan? timeout = null) =>
        Proc.Run(Host.AsUser(Host.Binary, ["--root", Sandbox.StateRoot, .. args], Env), timeout: timeout ?? TimeSpan.FromSeconds(60));

    public void Dispose()
    {
        try
        {
            Rl(["rmi", "--force", Image]);
            Rl(["image", "prune"]);
            // The supervised test's daemon (this sandbox's state root has its own).
            if (DaemonPing.Pid(Rl(["daemon", "--ping"])) is { } daemon && !Host.ProcessGone(daemon))
            {
                Host.Signal(daemon, Host.SIGTERM);
                for (int i = 0; i < 200 && !Host.ProcessGone(daemon); i++) Thread.Sleep(25);
            }
        }
        catch (Exception) { }
        Sandbox.Dispose();
    }
}

/// <summary>`rlrun run --image` and `create --image` end to end as the unprivileged test user: the
/// image's config, the podman flags, each storage driver doing the same layering (writes, whiteouts,
/// copy-up keeping a subordinate owner, hard links), lower layers shared on disk, bind mounts, bad
/// input and kill -9 leaving nothing once delete ran.</summary>
public sealed class ImageRunTests(ImageRunFixture f) : IClassFixture<ImageRunFixture>, IDisposable
{
    readonly List<string> _ids = [];
    readonly List<RunningProc> _procs = [];

    public void Dispose()
    {
        foreach (var p in _procs) p.Dispose();
        foreach (var id in _ids) f.Rl(["delete", "--force", id]);
    }

    string NewId(string tag)
    {
        string id = $"overlay-{tag}-{Guid.NewGuid().ToString("N")[..8]}";
        _ids.Add(id);
        return id;
    }

    ProcResult Rl(params string[] args) => f.Rl(args);

    void Ready() => Assert.True(f.Error is null, $"the test image could not be made: {f.Error}");

    string ContainerDir(string id) => Path.Join(f.Storage, "containers", id);

    static string Stat(string path, string format = "%u:%g") =>
        Proc.Run("/usr/bin/stat", ["-c", format, path]).EnsureSuccess($"stat {path}").Stdout.Trim();

    JsonArray Users() => JsonNode.Parse(Rl("image", "inspect", ImageRunFixture.Image).EnsureSuccess("image inspect").Stdout)!.AsArray()[0]!["users"]!.AsArray();

    static List<int> FuseDaemons() => Host.ProcessesOfUser()
        .Where(pid => { try { return Path.GetFileName(File.ReadAllText($"/proc/{pid}/cmdline").Split('\0')[0]) == "fuse-overlayfs"; } catch (IOException) { return false; } })
        .ToList();

    /// <summary>Nothing of the container stays: state, store directory, the image's reference, a fuse daemon.</summary>
    void AssertGone(string id)
    {
        Assert.False(Directory.Exists(f.Sandbox.StateDir(id)), $"state of {id} left behind");
        Assert.False(Directory.Exists(ContainerDir(id)), $"{ContainerDir(id)} left behind");
        Assert.DoesNotContain(id, Users().Select(u => u!.GetValue<string>()));
        Assert.DoesNotContain(FuseDaemons(), pid => File.ReadAllText($"/proc/{pid}/cmdline").Contains(id));
    }

    [SubIdFact]
    public void Runs_the_images_Cmd_and_a_command_with_podman_flags()
    {
        Ready();
        var r = Rl("run", "--rm", "--image", ImageRunFixture.Image);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("hello from the image", r.Stdout.Trim());
        Assert.Empty(Directory.Exists(Path.Join(f.Storage, "containers")) ? Directory.GetDirectories(Path.Join(f.Storage, "containers")) : []);

        string id = NewId("flags");
        string envFile = Path.Join(f.Sandbox.Dir, "env");
        File.WriteAllText(envFile, "# comment\nFROM_FILE=yes\n");
        Host.ChownToUser(envFile);
        r = Rl("run", "--rm", "--image", ImageRunFixture.Image, "-e", "A=1", "--env-file", envFile, "-w", "/opt", "-u", "app", "--hostname", "hn",
            id, "--", "sh", "-c", "echo $A $FROM_FILE; pwd; id -u; id -G; hostname; cat /etc/hostname; grep -c hn /etc/hosts; ls /opt");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(["1 yes", "/opt", "1000", "1000 2000", "hn", "hn", "1", "new"], r.Stdout.Trim().Split('\n'));
        AssertGone(id);

        r = Rl("run", "--rm", "--image", ImageRunFixture.Image, "--", "sh", "-c", "exit 7");
        Assert.Equal(7, r.ExitCode);
    }

    /// <summary>podman's order, `run -it IMAGE sh`, written as `run -t --image IMAGE sh`, took sh as the
    /// container's ID and ran the image's own Cmd. An ID given alone (no --, no --name) that is a
    /// program on the image's PATH is refused, saying both ways to write what was meant; both work.</summary>
    [SubIdFact]
    public void An_ID_that_is_a_program_of_the_image_is_refused_saying_how_to_run_it()
    {
        Ready();
        const string image = ImageRunFixture.Image;
        _ids.Add("sh");
        var r = Rl("run", "--rm", "-t", "--image", image, "sh");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"rlrun: run: \"sh\" would be the container's ID, and it is a program of image {image} (/bin/sh): " +
            $"to run it, give it after -- (--image {image} -- sh); to name the container so, --name sh", r.Stderr.Trim());
        AssertGone("sh");

        r = Rl("run", "--rm", "--image", image, "--", "sh", "-c", "echo after-dashes");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("after-dashes", r.Stdout.Trim());
        r = Rl("run", "--rm", "--image", image, "--name", "sh");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("hello from the image", r.Stdout.Trim());
        // An ID that names no program of the image runs as the documented form says.
        r = Rl("run", "--rm", "--image", image, NewId("bare"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("hello from the image", r.Stdout.Trim());
    }

    /// <summary>The image form's -t is podman's: a pty for the process whatever the caller has (here
    /// pipes and no terminal), where a bundle's process.terminal needs a terminal of ours, as runc's.</summary>
    [SubIdFact]
    public void Dash_t_gives_a_pty_without_a_terminal_of_ours()
    {
        Ready();
        var spec = Host.AsUser(Host.Binary, ["--root", f.Sandbox.StateRoot, "run", "--rm", "-t", "--image", ImageRunFixture.Image, "--", "sh", "-c", "test -t 0 && test -t 1 && echo on-a-pty"], f.Env);
        var r = Proc.Run(new ProcSpec("/usr/bin/setsid", ["-w", spec.File, .. spec.Args], spec.Env, spec.ClearEnv), timeout: TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("on-a-pty", r.Stdout.Trim());
    }

    public static TheoryData<string> Drivers() => ["overlay", "fuse-overlayfs", "vfs"];

    [SubIdTheory]
    [MemberData(nameof(Drivers))]
    public void Each_driver_layers_the_image_the_same_way(string driver)
    {
        Ready();
        if (driver == "fuse-overlayfs") FuseInstalled();
        string id = NewId(driver[..3]);
        const string script =
            "set -e; [ $(stat -c %i /bin/tool) = $(stat -c %i /bin/tool-link) ] && echo in-layer-link; " +
            "cat /etc/motd; test ! -e /etc/removed && echo whiteout; ls /opt; " +
            "echo changed >> /home/app/data; stat -c %u:%g /home/app/data; " +
            "rm /etc/base; test ! -e /etc/base && echo deleted; " +
            // overlay may give a copied-up file's names different st_ino (no index=on): one file is what counts.
            "ln /etc/passwd /passwd-link; echo more >> /passwd-link; [ $(stat -c %h /etc/passwd) = 2 ] && grep -q more /etc/passwd && echo cross-layer-link; " +
            "echo new > /created; head -1 /proc/mounts";
        var r = Rl("run", "--storage-driver", driver, "--image", ImageRunFixture.Image, id, "--", "sh", "-c", script);
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Trim().Split('\n');
        Assert.Equal(["in-layer-link", "top", "whiteout", "new", "1000:1000", "deleted", "cross-layer-link"], lines[..^1]);
        Assert.Contains(driver switch { "overlay" => "overlay / overlay", "fuse-overlayfs" => "fuse", _ => " / " }, lines[^1]);

        // Kept after it exited (no --rm): the writable layer holds the copy-up, owned by 1000's subordinate ID.
        string upper = Path.Join(ContainerDir(id), "upper");
        Assert.Equal("mine\nchanged\n", File.ReadAllText(Path.Join(upper, "home", "app", "data")));
        Assert.Equal($"{Host.SubUid!.Value.Start + 999}:{Host.SubGid!.Value.Start + 999}", Stat(Path.Join(upper, "home", "app", "data")));
        Assert.Equal("new\n", File.ReadAllText(Path.Join(upper, "created")));
        // The image is unchanged.
        Assert.Equal("mine\n", File.ReadAllText(Path.Join(f.Layers[0], "home", "app", "data")));
        Assert.True(File.Exists(Path.Join(f.Layers[0], "etc", "base")));
        Assert.Contains(id, Users().Select(u => u!.GetValue<string>()));
        var list = Rl("list");
        Assert.Contains(list.Stdout.Split('\n'), l => l.StartsWith(id) && l.TrimEnd().EndsWith(ImageRunFixture.Image));
        // runc's JSON keeps its fields; the image is in the annotations, as podman's tools read them.
        var json = JsonNode.Parse(Rl("list", "--format", "json").EnsureSuccess("list --format json").Stdout)!.AsArray().Single(c => c!["id"]!.GetValue<string>() == id)!;
        Assert.Equal(ImageRunFixture.Image, json["annotations"]!["io.rlrun.image"]!.GetValue<string>());
        Assert.Equal(f.ImageId, json["annotations"]!["io.rlrun.image.id"]!.GetValue<string>());

        Assert.Equal(0, Rl("delete", id).ExitCode);
        AssertGone(id);
    }

    [SubIdFact]
    public void Two_containers_share_the_lower_layers_on_disk_and_not_their_writes()
    {
        Ready();
        string a = NewId("share-a"), b = NewId("share-b");
        foreach (var id in new[] { a, b })
        {
            var r = Rl("run", "-d", "--storage-driver", "overlay", "--image", ImageRunFixture.Image, id, "--", "sleep", "60");
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal(id, r.Stdout.Trim());
        }
        string busybox = Stat(Path.Join(f.Layers[0], "bin", "busybox"), "%i");
        foreach (var id in new[] { a, b })
        {
            int pid = f.Sandbox.State(id)["pid"]!.GetValue<int>();
            Assert.Equal(busybox, Stat($"/proc/{pid}/root/bin/busybox", "%i"));
        }
        Assert.Equal(0, Rl("exec", a, "sh", "-c", "echo a > /only-a").ExitCode);
        Assert.Equal(0, Rl("exec", a, "test", "-e", "/only-a").ExitCode);
        Assert.Equal(1, Rl("exec", b, "test", "-e", "/only-a").ExitCode);
        Assert.Equal(0, Rl("delete", "--force", a).ExitCode);
        Assert.Equal(0, Rl("delete", "--force", b).ExitCode);
        AssertGone(a);
        AssertGone(b);
    }

    [SubIdFact]
    public void A_volume_is_read_and_written_as_the_users_files_and_ro_stays_read_only()
    {
        Ready();
        string dir = Path.Join(f.Sandbox.Dir, "vol");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Join(dir, "in"), "from the host\n");
        Host.ChownToUser(dir);
        var r = Rl("run", "--rm", "--image", ImageRunFixture.Image, "-v", $"{dir}:/data", "--", "sh", "-c", "cat /data/in; stat -c %u /data/in; echo out > /data/out");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(["from the host", "0"], r.Stdout.Trim().Split('\n'));
        Assert.Equal("out\n", File.ReadAllText(Path.Join(dir, "out")));
        Assert.Equal($"{Host.Uid}:{Host.Gid}", Stat(Path.Join(dir, "out")));

        r = Rl("run", "--rm", "--image", ImageRunFixture.Image, "-v", $"{dir}:/data:ro", "--", "sh", "-c", "echo x > /data/ro-write");
        Assert.NotEqual(0, r.ExitCode);
        Assert.False(File.Exists(Path.Join(dir, "ro-write")));
    }

    public static TheoryData<string, string[], string> BadInputs() => new()
    {
        { "unknown image", ["--image", "localhost/nothing:1"], "image not known: \"localhost/nothing:1\"" },
        { "command not in the image", ["--image", ImageRunFixture.Image, "--", "/no/such/command"], "/no/such/command" },
        { "volume source missing", ["--image", ImageRunFixture.Image, "-v", "/no/such/dir:/data", "--", "true"], "the source /no/such/dir does not exist" },
        { "user not in the image", ["--image", ImageRunFixture.Image, "-u", "nobody-here", "--", "true"], "user \"nobody-here\" is not in the image's /etc/passwd" },
        { "bad storage driver", ["--image", ImageRunFixture.Image, "--storage-driver", "zfs", "--", "true"], "invalid storage driver \"zfs\"" },
        { "image flag without --image", ["-e", "A=1", "x"], "--env belongs to the image form" },
        { "bundle and image", ["--image", ImageRunFixture.Image, "--bundle", "/tmp"], "--bundle and --image cannot be combined" },
    };

    [SubIdTheory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_is_one_line_and_leaves_nothing(string what, string[] args, string message)
    {
        Ready();
        string id = NewId("bad");
        var drivers = what == "command not in the image" ? new[] { "overlay", "fuse-overlayfs", "vfs" } : new[] { "overlay" };
        foreach (var driver in drivers)
        {
            int before = FuseDaemons().Count;
            var argv = args.ToList();
            int sep = argv.IndexOf("--");
            argv.Insert(sep < 0 ? argv.Count : sep, id);
            if (args.Contains("--image") && what != "bad storage driver") argv.InsertRange(0, ["--storage-driver", driver]);
            var r = Rl(["run", .. argv]);
            Assert.True(r.ExitCode != 0, $"{what}: {r}");
            Assert.Contains(message, r.Stderr);
            // A missing image is pulled first; podman's "Trying to pull" progress line may come before the error.
            Assert.Single(r.Stderr.Trim().Split('\n'), l => !l.StartsWith("Trying to pull ", StringComparison.Ordinal));
            AssertGone(id);
            Assert.Equal(before, FuseDaemons().Count);
        }
    }

    [SubIdFact]
    public void Kill_9_of_the_container_or_of_rlrun_leaves_nothing_once_delete_ran()
    {
        Ready();
        FuseInstalled();
        // The container's init, with a fuse daemon beside it.
        string a = NewId("kill-ctr");
        var r = Rl("run", "-d", "--storage-driver", "fuse-overlayfs", "--image", ImageRunFixture.Image, a, "--", "sleep", "60");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Single(FuseDaemons(), pid => File.ReadAllText($"/proc/{pid}/cmdline").Contains(a));
        int init = f.Sandbox.State(a)["pid"]!.GetValue<int>();
        Host.Signal(init, 9);
        WaitFor(() => FuseDaemons().All(pid => !File.ReadAllText($"/proc/{pid}/cmdline").Contains(a)), "the fuse daemon to die with the container");
        Assert.Equal(0, Rl("delete", a).ExitCode);
        AssertGone(a);

        // rlrun itself, in the foreground: the container outlives it until delete --force.
        string b = NewId("kill-rl");
        var run = Proc.Start(Host.AsUser(Host.Binary, ["--root", f.Sandbox.StateRoot, "run", "--storage-driver", "fuse-overlayfs", "--image", ImageRunFixture.Image, b, "--", "sleep", "60"], f.Env));
        _procs.Add(run);
        WaitFor(() => f.Sandbox.Status(b) == "running", "the foreground container to run", () => run.Stderr);
        Host.Signal(run.Pid, 9);
        Assert.Equal(0, Rl("delete", "--force", b).ExitCode);
        WaitFor(() => FuseDaemons().All(pid => !File.ReadAllText($"/proc/{pid}/cmdline").Contains(b)), "the fuse daemon to go with delete");
        AssertGone(b);
    }

    /// <summary>The image run writes config.json and the /etc files on a thread of its own while create
    /// goes on: rlrun killed at each step of create (docs/fault-points.md) leaves a container whose
    /// state, once written, names a whole bundle, and nothing at all once delete --force ran.</summary>
    [SubIdFact]
    public void An_image_run_killed_at_each_step_of_create_leaves_nothing_once_delete_ran()
    {
        Ready();
        Proc.Run(Host.AsUser("/bin/sh", ["-c", "mkdir -p -m 0700 \"$0\" && : > \"$0/.fault-injection\"", f.Sandbox.StateRoot]))
            .EnsureSuccess("arm the state root");
        try
        {
            foreach (string step in new[] { "create.claimed", "create.cgroup", "create.launched", "create.saved", "create.done" })
            {
                string id = NewId("crash");
                var r = Proc.Run(Host.AsUser(Host.Binary, ["--root", f.Sandbox.StateRoot, "run", "--rm", "--network", "none", "--image", ImageRunFixture.Image, id, "--", "sh", "-c", "exit 0"],
                    [.. f.Env, new("RLRUN_FAULT_AT", step)]), timeout: TimeSpan.FromSeconds(60));
                Assert.True(r.ExitCode == 128 + Host.SIGKILL, $"{step}: rlrun was to kill itself there: {r}");
                if (File.Exists(Path.Join(f.Sandbox.StateDir(id), "state.json")))
                {
                    var config = JsonNode.Parse(File.ReadAllText(Path.Join(ContainerDir(id), "config.json")))!;
                    Assert.Equal("exit 0", config["process"]!["args"]![2]!.GetValue<string>());
                    Assert.True(File.Exists(Path.Join(ContainerDir(id), "hosts")), $"{step}: the state names a bundle without its hosts file");
                }
                var del = Rl("delete", "--force", id);
                Assert.True(del.ExitCode == 0, $"{step}: {del}");
                AssertGone(id);
            }
        }
        finally { File.Delete(Path.Join(f.Sandbox.StateRoot, ".fault-injection")); }
    }

    [SubIdFact]
    public void Create_then_start_runs_the_image_and_delete_removes_it()
    {
        Ready();
        string id = NewId("create");
        var r = Rl("create", "--image", ImageRunFixture.Image, id, "--", "sh", "-c", "echo started > /proof; sleep 60");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(id, r.Stdout.Trim());
        Assert.Equal("created", f.Sandbox.Status(id));
        Assert.Equal(0, Rl("start", id).ExitCode);
        WaitFor(() => File.Exists(Path.Join(ContainerDir(id), "upper", "proof")), "the started process's write");
        var state = f.Sandbox.State(id);
        Assert.Equal(ImageRunFixture.Image, state["annotations"]!["io.rlrun.image"]!.GetValue<string>());
        Assert.Equal("test", state["annotations"]!["com.example.role"]!.GetValue<string>());
        Assert.Equal("SIGINT", state["annotations"]!["org.opencontainers.image.stopSignal"]!.GetValue<string>());
        // A unit for it runs its bundle and keeps the writable layer between runs.
        var unit = Rl("generate", "systemd", id);
        Assert.True(unit.ExitCode == 0, unit.ToString());
        Assert.Contains($"run --bundle {ContainerDir(id)} {id}", unit.Stdout);
        Assert.Contains($"delete --force --keep-storage {id}\n", unit.Stdout);
        Assert.DoesNotContain($"delete --force {id}", unit.Stdout);
        var rmi = Rl("rmi", ImageRunFixture.Image);
        Assert.NotEqual(0, rmi.ExitCode);
        Assert.Contains($"in use by container {id}", rmi.Stderr);
        Assert.Equal(0, Rl("delete", "--force", "--keep-storage", id).ExitCode);
        Assert.True(File.Exists(Path.Join(ContainerDir(id), "upper", "proof")), "--keep-storage removed the writable layer");
        Assert.Equal(0, Rl("delete", "--force", id).ExitCode); // no state left: the store's directory still goes
        AssertGone(id);
    }

    [SubIdFact]
    public void A_supervised_image_container_keeps_its_writable_layer_across_a_restart_and_a_killed_daemon()
    {
        Ready();
        string id = NewId("restart");
        var r = Rl("run", "-d", "--restart", "always", "--image", ImageRunFixture.Image, id, "--",
            "sh", "-c", "if [ -e /mark ]; then sleep 60; else echo first > /mark; exit 1; fi");
        Assert.True(r.ExitCode == 0, r.ToString());
        string record = Path.Join(f.Sandbox.StateRoot, ".supervised", id + ".json");
        WaitFor(() => File.Exists(record) && JsonNode.Parse(File.ReadAllText(record))?["restartCount"]?.GetValue<int>() >= 1 && f.Sandbox.Status(id) == "running",
            "the restart", () => File.Exists(record) ? File.ReadAllText(record) : "no record");
        var e = Rl("exec", id, "cat", "/mark");
        Assert.True(e.ExitCode == 0, e.ToString());
        Assert.Equal("first", e.Stdout.Trim());
        // Networked by default under --restart too, and again after the restart.
        var network = Loopback.NetworkState(f.Sandbox.StateDir(id));
        Assert.True(network is not null, "the restarted container has no network recorded");
        Assert.Equal(File.Exists("/usr/bin/pasta") ? "pasta" : "slirp4netns", network!["mode"]!.GetValue<string>());
        int helper = network["helperPid"]!.GetValue<int>();
        Assert.False(Host.ProcessGone(helper), $"helper {helper} of the restarted container is not running");
        // kill -9 of the daemon: the container runs on; the delete (through the next daemon) removes all.
        int daemon = DaemonPing.Pid(Rl("daemon", "--ping")) ?? throw new InvalidOperationException("no daemon answers");
        Host.Signal(daemon, Host.SIGKILL);
        WaitFor(() => Host.ProcessGone(daemon), "the daemon to die");
        Assert.Equal("running", f.Sandbox.Status(id));
        var d = Rl("delete", "--force", id);
        Assert.True(d.ExitCode == 0, d.ToString());
        AssertGone(id);
        // Unable to act, not necessarily out of the process table: pasta's tap takes 20-40 ms more
        // to unregister after delete returned (Host.CannotAct).
        Assert.True(Host.CannotAct(helper), $"helper {helper} can still act after delete");
        Assert.Empty(Loopback.HelpersOf(f.Sandbox.StateDir(id)));
    }

    /// <summary>Issue 14's item 6 for an image container: busybox httpd of the image on a published
    /// port under --restart=always (the daemon), fetched with curl; after kill -9 of its init it
    /// serves again on the same port; delete frees it.</summary>
    [SubIdFact]
    public void A_supervised_image_container_serves_its_published_port_again_after_kill_9_of_its_init()
    {
        Ready();
        Assert.True(File.Exists("/usr/bin/pasta") || File.Exists("/usr/bin/slirp4netns"), "neither pasta (apt-get install passt) nor slirp4netns is installed");
        string id = NewId("pubrestart");
        int port = Loopback.FreePort();
        var r = Rl("run", "-d", "--restart", "always", "-p", $"127.0.0.1:{port}:80", "--image", ImageRunFixture.Image, id, "--",
            "/bin/busybox", "httpd", "-f", "-p", "80", "-h", "/etc");
        Assert.True(r.ExitCode == 0, r.ToString());
        bool Serves() => Loopback.Curl(port, "/base") is { ExitCode: 0 } c && c.Stdout.Trim() == "base"; // the image's /etc/base
        string url = $"http://127.0.0.1:{port}/base";
        WaitFor(Serves, $"{url} to be served", () => Loopback.Curl(port, "/base").ToString());
        int init = f.Sandbox.State(id)["pid"]!.GetValue<int>();
        Host.Signal(init, Host.SIGKILL);
        WaitFor(() => f.Sandbox.Status(id) == "running" && f.Sandbox.State(id)["pid"]!.GetValue<int>() != init && Serves(),
            $"{url} served again by the restarted container", () => Loopback.Curl(port, "/base").ToString());
        var d = Rl("delete", "--force", id);
        Assert.True(d.ExitCode == 0, d.ToString());
        AssertGone(id);
        Assert.Empty(Loopback.HelpersOf(f.Sandbox.StateDir(id)));
        Assert.True(Loopback.PortFree(port), $"port {port} is still held right after delete");
    }

    /// <summary>Issue 14's item 2 on the image path a user takes (`run -d --image -p`, through the
    /// daemon): a taken host port is refused with one line naming it, and nothing is left: no
    /// state, no writable layer, no image user, no helper.</summary>
    [SubIdFact]
    public void A_taken_port_refuses_an_image_container_and_leaves_nothing()
    {
        Ready();
        Assert.True(File.Exists("/usr/bin/pasta") || File.Exists("/usr/bin/slirp4netns"), "neither pasta (apt-get install passt) nor slirp4netns is installed");
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        string id = NewId("taken");
        var r = Rl("run", "-d", "-p", $"127.0.0.1:{port}:80", "--image", ImageRunFixture.Image, id, "--", "/bin/busybox", "httpd", "-f", "-p", "80");
        Assert.True(r.ExitCode != 0, $"run -d -p of a taken port succeeded: {r}");
        Assert.Contains($"host port 127.0.0.1:{port}/tcp is not free", r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'), l => !l.Contains("warning:"));
        AssertGone(id);
        Assert.Empty(Loopback.HelpersOf(f.Sandbox.StateDir(id)));
        Assert.DoesNotContain(id, Rl("list", "--quiet").Stdout);
    }

    // .ci/run installs it: a machine without it fails here, naming the package.
    static void FuseInstalled() =>
        Assert.True(File.Exists("/usr/bin/fuse-overlayfs"), "fuse-overlayfs is not installed: apt-get install fuse-overlayfs");

    static void WaitFor(Func<bool> done, string what, Func<string>? detail = null, double seconds = 20)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (done()) return;
            Thread.Sleep(25);
        }
        Assert.Fail($"timed out waiting for {what}{(detail is null ? "" : ": " + detail())}");
    }

    /// <summary>podman's `run IMAGE` of an image not yet stored: pulled from the registry first, and the
    /// container networked by default (pasta, else slirp4netns: a default route), where a bundle run
    /// has loopback only.</summary>
    [RegistryFact]
    public void A_missing_image_is_pulled_and_its_container_has_the_default_network()
    {
        Ready();
        using var registry = new LoopbackRegistry();
        registry.Push(f.Layout, "ovl/pulled:1", layoutRef: "1");
        string reference = $"{registry.Host}/ovl/pulled:1";
        try
        {
            var r = Rl("run", "--rm", "--image", reference, NewId("pulled"), "--", "cat", "/proc/net/route");
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains($"Trying to pull {reference}", r.Stderr);
            // /proc/net/route's default route: destination 00000000 on the helper's interface.
            Assert.Contains(r.Stdout.Split('\n').Skip(1), l => l.Split('\t') is [_, "00000000", ..]);
            Assert.Contains($"{registry.Host}/ovl/pulled", Rl("images").Stdout);
        }
        finally { Rl("rmi", "--force", reference); }
    }
    /// <summary>The same image driven by rootless podman with rlrun as its runtime (item 6's last
    /// clause): podman pulls it from the loopback registry into a store of its own and runs it
    /// through `--runtime rlrun` (create, start, delete --force by podman's rules): the image's Cmd
    /// with podman's default network, then a command seeing the same layering rlrun's own run sees.</summary>
    [PodmanRegistryFact]
    public void Podman_pulls_the_image_and_runs_it_with_rlrun_as_its_runtime()
    {
        Ready();
        using var registry = new LoopbackRegistry();
        registry.Push(f.Layout, "ovl/podman:1", layoutRef: "1");
        string reference = $"{registry.Host}/ovl/podman:1";
        using var podman = new PodmanWorld(importImage: false);
        var pull = podman.Run("rlrun", ["pull", "-q", "--tls-verify=false", reference], TimeSpan.FromSeconds(120));
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal(f.ImageId, pull.Stdout.Trim());

        var r = podman.Run("rlrun", ["run", "--rm", reference], TimeSpan.FromSeconds(120));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("hello from the image", r.Stdout.Trim());

        const string script = "id -u; id -G; cat /etc/motd; test ! -e /etc/removed && echo whiteout; ls /opt; stat -c %u:%g /home/app/data; " +
            "[ $(stat -c %i /bin/tool) = $(stat -c %i /bin/tool-link) ] && echo in-layer-link";
        string[] expected = ["1000", "1000 2000", "top", "whiteout", "new", "1000:1000", "in-layer-link"];
        r = podman.Run("rlrun", ["run", "--rm", "--network", "none", "-u", "app", reference, "sh", "-c", script], TimeSpan.FromSeconds(120));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(expected, r.Stdout.Trim().Split('\n'));
        var own = Rl("run", "--rm", "--image", ImageRunFixture.Image, "-u", "app", "--", "sh", "-c", script);
        Assert.True(own.ExitCode == 0, own.ToString());
        Assert.Equal(expected, own.Stdout.Trim().Split('\n'));
        // podman's record names the runtime it ran the container with.
        string name = $"overlay-pm-{Guid.NewGuid().ToString("N")[..8]}";
        r = podman.Run("rlrun", ["run", "--name", name, "--network", "none", reference, "echo", "ok"], TimeSpan.FromSeconds(120));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.EndsWith("rlrun", podman.Ok("inspect", "--format", "{{.OCIRuntime}}", name).Trim());
        podman.Ok("rm", name);
    }
}
