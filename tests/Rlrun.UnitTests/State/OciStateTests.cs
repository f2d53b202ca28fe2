using System.Text.Json;
using Rlrun.Runtime.Cgroups;
using Rlrun.Runtime.Spec;
using Rlrun.Runtime.State;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.State;

/// <summary>The state object hooks read on stdin (runtime-spec runtime.md "State").</summary>
public class OciStateTests
{
    static JsonElement Parse(byte[] json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public void It_has_the_spec_fields_in_order()
    {
        var root = Parse(OciState.Json("web", "creating", 4242, "/home/alice/bundles/web", null));
        Assert.Equal(["ociVersion", "id", "status", "pid", "bundle", "annotations"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("1.2.0", root.GetProperty("ociVersion").GetString());
        Assert.Equal("web", root.GetProperty("id").GetString());
        Assert.Equal("creating", root.GetProperty("status").GetString());
        Assert.Equal(4242, root.GetProperty("pid").GetInt32());
        Assert.Equal("/home/alice/bundles/web", root.GetProperty("bundle").GetString());
    }

    [Fact]
    public void Without_annotations_it_has_an_empty_object()
    {
        var root = Parse(OciState.Json("web", "created", 1, "/b", null));
        Assert.Equal(JsonValueKind.Object, root.GetProperty("annotations").ValueKind);
        Assert.Empty(root.GetProperty("annotations").EnumerateObject());
    }

    [Fact]
    public void Annotations_are_copied()
    {
        var annotations = new Dictionary<string, string> { ["org.example.key"] = "value", ["empty"] = "", ["uni"] = "ü \"q\" \n" };
        var root = Parse(OciState.Json("web", "running", 7, "/b", annotations));
        var got = root.GetProperty("annotations").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        Assert.Equal(annotations, got);
    }

    [Fact]
    public void It_is_compact_utf8_json()
    {
        byte[] json = OciState.Json("web", "stopped", 0, "/b", null);
        Assert.Equal("""{"ociVersion":"1.2.0","id":"web","status":"stopped","pid":0,"bundle":"/b","annotations":{}}""", System.Text.Encoding.UTF8.GetString(json));
    }

    [Fact]
    public void From_a_saved_state_with_the_status_given()
    {
        var s = StateStoreTests.Sample("web");
        var root = Parse(OciState.Json(s, ContainerStatus.Stopped));
        Assert.Equal("stopped", root.GetProperty("status").GetString());
        Assert.Equal(s.Pid, root.GetProperty("pid").GetInt32());
        Assert.Equal(s.Bundle, root.GetProperty("bundle").GetString());
        Assert.Equal("value", root.GetProperty("annotations").GetProperty("org.example.key").GetString());
        // Only the spec's fields: rlrun's own (rootfs, owner, cgroup...) stay out of hooks' stdin.
        Assert.False(root.TryGetProperty("rootfs", out _));
        Assert.False(root.TryGetProperty("owner", out _));
    }
}

/// <summary>state.json with the fields added for hooks and cgroups: poststop and cgroup.</summary>
public class ContainerStateRoundTripTests : IDisposable
{
    readonly TempDir _tmp = new();
    readonly StateStore _store;

    public ContainerStateRoundTripTests() => _store = new StateStore(_tmp.Join("state"));

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void Cgroup_and_poststop_hooks_round_trip()
    {
        _store.CreateDir("web");
        var saved = StateStoreTests.Sample("web");
        saved.Cgroup = new ContainerCgroup("systemd", "/sys/fs/cgroup/user.slice/rlrun-web.scope", "rlrun-web.scope");
        saved.Poststop =
        [
            new SpecHook { Path = "/usr/bin/cleanup", Args = ["cleanup", "--all"], Env = ["A=1"], Timeout = 5 },
            new SpecHook { Path = "/usr/bin/notify" },
        ];
        _store.Save(saved);

        var loaded = _store.Load("web");
        Assert.Equal(saved.Cgroup, loaded.Cgroup);
        Assert.Equal(2, loaded.Poststop!.Count);
        Assert.Equal("/usr/bin/cleanup", loaded.Poststop[0].Path);
        Assert.Equal(["cleanup", "--all"], loaded.Poststop[0].Args!);
        Assert.Equal(["A=1"], loaded.Poststop[0].Env!);
        Assert.Equal(5, loaded.Poststop[0].Timeout);
        Assert.Equal("/usr/bin/notify", loaded.Poststop[1].Path);
        Assert.Null(loaded.Poststop[1].Args);
        Assert.Null(loaded.Poststop[1].Timeout);
        // The rest is untouched.
        Assert.Equal(saved.Created, loaded.Created);
        Assert.Equal(saved.InitStartTime, loaded.InitStartTime);
    }

    [Fact]
    public void A_cgroupfs_cgroup_has_no_unit()
    {
        _store.CreateDir("web");
        var saved = StateStoreTests.Sample("web");
        saved.Cgroup = new ContainerCgroup("cgroupfs", "/sys/fs/cgroup/user.slice/rlrun-web");
        _store.Save(saved);
        var loaded = _store.Load("web");
        Assert.Equal(new ContainerCgroup("cgroupfs", "/sys/fs/cgroup/user.slice/rlrun-web"), loaded.Cgroup);
        Assert.Null(loaded.Cgroup!.Unit);
    }

    [Fact]
    public void Without_a_cgroup_or_hooks_the_fields_are_left_out_and_load_as_null()
    {
        _store.CreateDir("web");
        _store.Save(StateStoreTests.Sample("web"));
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Join(_store.DirOf("web"), StateStore.StateFile)));
        Assert.False(doc.RootElement.TryGetProperty("cgroup", out _));
        Assert.False(doc.RootElement.TryGetProperty("poststop", out _));

        var loaded = _store.Load("web");
        Assert.Null(loaded.Cgroup);
        Assert.Null(loaded.Poststop);
    }

    [Fact]
    public void The_new_fields_have_camel_case_names_on_disk()
    {
        _store.CreateDir("web");
        var saved = StateStoreTests.Sample("web");
        saved.Cgroup = new ContainerCgroup("systemd", "/sys/fs/cgroup/x.scope", "x.scope");
        saved.Poststop = [new SpecHook { Path = "/bin/true", Timeout = 3 }];
        _store.Save(saved);

        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Join(_store.DirOf("web"), StateStore.StateFile)));
        var root = doc.RootElement;
        var cg = root.GetProperty("cgroup");
        Assert.Equal("systemd", cg.GetProperty("manager").GetString());
        Assert.Equal("/sys/fs/cgroup/x.scope", cg.GetProperty("path").GetString());
        Assert.Equal("x.scope", cg.GetProperty("unit").GetString());
        var hook = Assert.Single(root.GetProperty("poststop").EnumerateArray().ToList());
        Assert.Equal("/bin/true", hook.GetProperty("path").GetString());
        Assert.Equal(3, hook.GetProperty("timeout").GetInt32());
        Assert.Equal(987654321UL, root.GetProperty("initStartTime").GetUInt64());
    }

    [Fact]
    public void A_state_file_written_before_the_new_fields_still_loads()
    {
        _store.CreateDir("web");
        File.WriteAllText(Path.Join(_store.DirOf("web"), StateStore.StateFile), """
            { "ociVersion": "1.2.0", "id": "web", "status": "created", "pid": 12, "bundle": "/b",
              "rootfs": "/b/rootfs", "created": "2025-03-04T05:06:07.1234567Z", "owner": "alice", "initStartTime": 5 }
            """);
        var loaded = _store.Load("web");
        Assert.Equal(12, loaded.Pid);
        Assert.Null(loaded.Cgroup);
        Assert.Null(loaded.Poststop);
    }
}
