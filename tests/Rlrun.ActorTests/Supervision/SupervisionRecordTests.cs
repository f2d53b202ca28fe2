using System.Text.Json;
using Rlrun.Actors;
using Rlrun.ActorTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rlrun.ActorTests.Supervision;

public sealed class SupervisionRecordTests(ITestOutputHelper output) : ActorTest(output)
{
    JsonElement ReadJson(string id) => JsonDocument.Parse(File.ReadAllText(Path.Join(StateRoot, ".supervised", id + ".json"))).RootElement;

    [Fact]
    public void The_restart_count_and_last_exit_are_written_next_to_state_json()
    {
        var actor = Running("web", RestartPolicy.OnFailure(5));
        Driver.Exit("web", 3);
        ExpectExitThenRestart("web", 3, attempt: 1, TimeSpan.FromSeconds(1));
        Driver.Exit("web", 4);
        ExpectExitThenRestart("web", 4, attempt: 2, TimeSpan.FromSeconds(2));

        var json = ReadJson("web");
        Assert.True(File.Exists(Path.Join(StateRoot, "web", "state.json")));
        Assert.Equal(2, json.GetProperty("restartCount").GetInt32());
        Assert.Equal(4, json.GetProperty("lastExitCode").GetInt32());
        Assert.Equal("Running", json.GetProperty("state").GetString());
        Assert.Equal("on-failure:5", json.GetProperty("policy").GetString());
        Assert.Equal("/bundles/web", json.GetProperty("spec").GetProperty("bundle").GetString());
        Assert.Equal(Driver.PidOf("web"), json.GetProperty("pid").GetInt32());
        Assert.False(json.GetProperty("manuallyStopped").GetBoolean());

        var record = Store.Load("web")!;
        Assert.Equal(2, record.RestartCount);
        Assert.Equal(4, record.LastExitCode);
        Assert.Equal(LifecycleState.Running, record.State);
        Assert.Empty(Directory.GetFiles(Path.Join(StateRoot, "web"), "*.tmp"));
    }

    [Fact]
    public void A_manual_stop_and_the_final_exit_are_recorded()
    {
        var actor = Running("web", RestartPolicy.UnlessStopped);
        Ask(actor, new Stop("web"));

        var record = Store.Load("web")!;
        Assert.Equal(LifecycleState.Stopped, record.State);
        Assert.True(record.ManuallyStopped);
        Assert.Equal(143, record.LastExitCode);
        Assert.Equal(0, record.Pid);
        Assert.NotNull(record.LastExitAt);
    }

    [Fact]
    public void An_exhausted_on_failure_policy_leaves_stopped_with_the_last_code()
    {
        Driver.ExitOnStart = (_, _) => 1;
        var actor = Created("job", RestartPolicy.OnFailure(1));
        Ask(actor, new Start("job"));
        ExpectState("job", LifecycleState.Created, LifecycleState.Running);
        ExpectExitThenRestart("job", 1, attempt: 1, TimeSpan.FromSeconds(1));
        ExpectEvent(new ContainerExited("job", 1));
        ExpectState("job", LifecycleState.Running, LifecycleState.Stopped);

        var json = ReadJson("job");
        Assert.Equal("Stopped", json.GetProperty("state").GetString());
        Assert.Equal(1, json.GetProperty("restartCount").GetInt32());
        Assert.Equal(1, json.GetProperty("lastExitCode").GetInt32());
    }
}

public sealed class SupervisionStoreTests : IDisposable
{
    readonly TempDir _root = new();

    static SupervisionRecord Record(string id) => new()
    {
        Spec = new ContainerSpec(id, "/b", NoPivot: true, CgroupManager: "systemd"), Policy = "always", State = LifecycleState.Running,
        RestartCount = 2, LastExitCode = null, Pid = 42, InitStartTime = 4242,
    };

    [Fact]
    public void A_saved_record_reads_back_the_same()
    {
        var store = new SupervisionStore(_root.Path);

        store.Save(Record("web"));

        Assert.Equal(Record("web"), store.Load("web"));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.PathOf("web")));
    }

    [Fact]
    public void A_record_keeps_the_network_flags_for_every_restart()
    {
        var store = new SupervisionStore(_root.Path);
        var network = new Rlrun.Runtime.Network.NetworkArgs("slirp4netns:allow_host_loopback=true", ["127.0.0.1:8080:80/tcp", "5353:53/udp"], ["10.0.2.3"], ["db:10.0.2.100"]);
        var record = Record("web") with { Spec = new ContainerSpec("web", "/b", Network: network) };

        store.Save(record);

        var read = store.Load("web")!;
        Assert.Equal(record, read);
        var request = read.Spec.ToCreateOptions().Network!;
        Assert.Equal("slirp4netns", request.Mode.Kind);
        Assert.Equal(["127.0.0.1:8080:80/tcp", "5353:53/udp"], request.Ports.Select(p => p.ToString()));
        Assert.Equal(["db:10.0.2.100"], request.AddHosts);
        Assert.Null(new ContainerSpec("plain", "/b").ToCreateOptions().Network);
    }

    [Fact]
    public void A_record_outlives_the_container_directory_and_is_not_a_container_to_the_runtime()
    {
        var store = new SupervisionStore(_root.Path);
        store.Save(Record("web"));

        Assert.False(Directory.Exists(Path.Join(_root.Path, "web")));
        Assert.Equal(Record("web"), store.Load("web"));
        Assert.Empty(new Rlrun.Runtime.State.StateStore(_root.Path).Ids());
        store.Remove("web");
        Assert.Null(store.Load("gone"));
        Assert.Null(store.Load("web"));
    }

    [Fact]
    public void A_corrupt_record_is_an_error_naming_the_file_and_LoadAll_skips_it()
    {
        var store = new SupervisionStore(_root.Path);
        Directory.CreateDirectory(Path.Join(_root.Path, "plain")); // a container nobody supervises
        Directory.CreateDirectory(store.Dir);
        File.WriteAllText(store.PathOf("bad"), "{ not json");
        store.Save(Record("good"));

        var e = Assert.Throws<IOException>(() => store.Load("bad"));
        Assert.Contains(store.PathOf("bad"), e.Message);

        var warnings = new List<string>();
        var all = store.LoadAll(warnings.Add);
        Assert.Equal(["good"], all.Select(r => r.Spec.Id));
        Assert.Single(warnings);
    }

    [Fact]
    public void A_record_with_an_unknown_policy_is_refused()
    {
        var store = new SupervisionStore(_root.Path);
        store.Save(Record("web") with { Policy = "sometimes" });

        var e = Assert.Throws<IOException>(() => store.Load("web"));
        Assert.Contains("invalid restart policy \"sometimes\"", e.Message);
    }

    public void Dispose() => _root.Dispose();
}
