using System.Text;
using System.Text.Json;
using Rlrun.Runtime.Cgroups;
using Rlrun.Runtime.Network;
using Rlrun.Runtime.Spec;
using Rlrun.Runtime.State;
using Xunit;

namespace Rlrun.UnitTests.State;

/// <summary>The hand-written state.json codec writes exactly what StateJsonContext (System.Text.Json)
/// writes, and reads what it reads: state.json written by an older rlrun stays readable, and
/// `rlrun state` prints the same document.</summary>
public class StateJsonTests
{
    static ContainerState Full() => new()
    {
        Id = "web",
        Status = ContainerStatus.Running,
        Pid = 4242,
        Bundle = "/home/alice/bundles/web \"quoted\" <&>",
        Annotations = new() { ["org.example.key"] = "välue\n", ["empty"] = "", ["io.kubernetes.cri.sandbox-id"] = "abc" },
        Rootfs = "/home/alice/bundles/web/rootfs",
        Created = new DateTime(2025, 3, 4, 5, 6, 7, 123, DateTimeKind.Utc).AddTicks(4567),
        Owner = "alice",
        InitStartTime = ulong.MaxValue,
        Poststop = [new SpecHook { Path = "/bin/echo", Args = ["echo", "stop"], Env = ["A=1"], Timeout = 5 }, new SpecHook { Path = "/bin/true" }],
        Poststart = [new SpecHook { Path = "/bin/start", Args = [] }, new SpecHook { Path = "/bin/s2", Args = ["s2"], Env = ["B=2"], Timeout = 3 }],
        Cgroup = new ContainerCgroup("systemd", "/sys/fs/cgroup/user.slice/rlrun-web.scope", "rlrun-web.scope"),
        Network = new NetworkState
        {
            Mode = "pasta", Ports = ["8080:80/tcp", "53:53/udp"], WatcherPid = 11, WatcherStartTime = 12,
            HelperPid = 13, HelperStartTime = 14, ApiSocket = "/run/user/1000/rlrun/web/api.sock",
        },
    };

    static readonly ContainerState Minimal = new() { Id = "x" };

    static readonly ContainerState CgroupWithoutUnit = new()
    {
        Id = "c", Status = ContainerStatus.Created, Pid = 1, Created = DateTime.UnixEpoch,
        Cgroup = new ContainerCgroup("cgroupfs", "/sys/fs/cgroup/unified/rlrun-c"),
        Network = new NetworkState { Mode = "host" },
    };

    public static TheoryData<string> Cases => ["full", "minimal", "cgroupfs"];

    static ContainerState Case(string name) => name switch
    {
        "full" => Full(),
        "minimal" => Minimal,
        _ => CgroupWithoutUnit,
    };

    // runc's `list --format json` (list.go's containerState, encoding/json): its nine fields in its
    // order, annotations only when there are some, compact; rlrun's own fields (hooks, cgroup,
    // network, init start time) stay in state.json.
    [Fact]
    public void List_json_is_runcs_container_state()
    {
        var annotated = Full();
        var bare = new ContainerState { Id = "b", Status = ContainerStatus.Created, Pid = 7, Bundle = "/b", Rootfs = "/b/rootfs", Created = DateTime.UnixEpoch, Owner = "bob", Annotations = [] };
        Assert.Equal(
            "[{\"ociVersion\":\"1.2.0\",\"id\":\"web\",\"pid\":4242,\"status\":\"running\",\"bundle\":\"/home/alice/bundles/web \\\"quoted\\\" \\u003c\\u0026\\u003e\"," +
            "\"rootfs\":\"/home/alice/bundles/web/rootfs\",\"created\":\"2025-03-04T05:06:07.1234567Z\"," +
            "\"annotations\":{\"org.example.key\":\"välue\\n\",\"empty\":\"\",\"io.kubernetes.cri.sandbox-id\":\"abc\"},\"owner\":\"alice\"}," +
            "{\"ociVersion\":\"1.2.0\",\"id\":\"b\",\"pid\":7,\"status\":\"created\",\"bundle\":\"/b\",\"rootfs\":\"/b/rootfs\",\"created\":\"1970-01-01T00:00:00Z\",\"owner\":\"bob\"}]",
            Encoding.UTF8.GetString(StateJson.SerializeList([annotated, bare])));
        Assert.Equal("[]", Encoding.UTF8.GetString(StateJson.SerializeList([])));
    }

    /// <summary>What runc 1.1.5 (Go 1.19's encoding/json) printed for this annotation, byte for byte,
    /// in `runc list --format json` and `runc state`: non-ASCII as UTF-8, &lt; &gt; &amp; U+2028 U+2029 and
    /// the control characters as \u escapes in lowercase hex, " \ \t \n in short form, ' + ` and DEL
    /// as they are. rlrun wrote \u00E4 for ä and \u0022 for ".</summary>
    [Fact]
    public void Strings_are_escaped_as_runc_escapes_them()
    {
        const string value = "v\u00e4lue \u2603 <a&b> \"q\" 'ap' +plus `bt` \u2028\u2029 \u0001\u0008\u000c\u007f\t\n \\ \U0001F600 \u00a0";
        const string runcValue = "\"v\u00e4lue \u2603 \\u003ca\\u0026b\\u003e \\\"q\\\" 'ap' +plus `bt` \\u2028\\u2029 \\u0001\\u0008\\u000c\u007f\\t\\n \\\\ \U0001F600 \u00a0\"";
        var s = new ContainerState { Id = "x", Bundle = "/tmp/b\u00e4", Annotations = new() { ["k\u00e4y"] = value } };
        string list = Encoding.UTF8.GetString(StateJson.SerializeList([s]));
        Assert.Contains($"\"annotations\":{{\"k\u00e4y\":{runcValue}}}", list);
        Assert.Contains("\"bundle\":\"/tmp/b\u00e4\"", list);
        string state = Encoding.UTF8.GetString(StateJson.Serialize(s));
        Assert.Contains($"\"k\u00e4y\": {runcValue}\n", state);
        Assert.Contains("\"bundle\": \"/tmp/b\u00e4\"", state);
        // And it reads back as it was.
        Assert.Equal(value, StateJson.Deserialize(StateJson.Serialize(s)).Annotations!["k\u00e4y"]);
    }

    /// <summary>System.Text.Json with the options rlrun used, and runc's escaping (GoJsonEncoder).</summary>
    static readonly StateJsonContext GoEscaped = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true, Encoder = GoJsonEncoder.Instance,
    });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Writes_the_bytes_System_Text_Json_writes(string name)
    {
        var s = Case(name);
        Assert.Equal(Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(s, GoEscaped.ContainerState)),
            Encoding.UTF8.GetString(StateJson.Serialize(s)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reads_what_System_Text_Json_wrote(string name)
    {
        var s = Case(name);
        var back = StateJson.Deserialize(JsonSerializer.SerializeToUtf8Bytes(s, StateJsonContext.Default.ContainerState));
        // Equal when written again, field for field (the nested lists and records included).
        Assert.Equal(JsonSerializer.Serialize(s, StateJsonContext.Default.ContainerState), JsonSerializer.Serialize(back, StateJsonContext.Default.ContainerState));
        Assert.Equal(s.Created, back.Created);
        Assert.Equal(s.Created.Kind, back.Created.Kind);
    }

    [Fact]
    public void Skips_unknown_fields_and_takes_nulls_as_absent()
    {
        var s = StateJson.Deserialize("""
            {"future": {"a": [1, {"b": null}]}, "id": "web", "pid": 7, "annotations": null, "cgroup": null,
             "network": null, "poststop": null, "owner": null, "initStartTime": 9, "extra": "x"}
            """u8);
        Assert.Equal("web", s.Id);
        Assert.Equal(7, s.Pid);
        Assert.Equal(9UL, s.InitStartTime);
        Assert.Null(s.Annotations);
        Assert.Null(s.Cgroup);
        Assert.Null(s.Network);
        Assert.Null(s.Poststop);
        Assert.Null(s.Owner);
        Assert.Equal("1.2.0", s.OciVersion);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("""{"id": "web",""")]
    [InlineData("""{"pid": "7"}""")]
    [InlineData("""{"pid": null}""")]
    [InlineData("""{"pid": 99999999999}""")]
    [InlineData("""{"initStartTime": -1}""")]
    [InlineData("""{"id": 5}""")]
    [InlineData("""{"created": "yesterday"}""")]
    [InlineData("""{"cgroup": "x"}""")]
    [InlineData("""{"poststop": [{"args": "x"}]}""")]
    [InlineData("""{"id": "a"} {"id": "b"}""")]
    [InlineData("""{"id": "a"} x""")]
    public void A_corrupt_file_is_a_JsonException(string json)
    {
        Assert.ThrowsAny<JsonException>(() => StateJson.Deserialize(Encoding.UTF8.GetBytes(json)));
        // As System.Text.Json says of it (the store turns both into "corrupt state").
        if (json != "null") Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize(json, StateJsonContext.Default.ContainerState));
    }

    /// <summary>A field added to ContainerState (or what it holds) later must reach StateJson: the
    /// fixture the byte-for-byte test uses sets every one, none at its default.</summary>
    [Fact]
    public void Every_field_is_set_in_the_full_fixture()
    {
        // A list's elements count together: the fixture's second hook leaves fields out on purpose.
        var unset = new List<string>();
        Walk(Full(), "state", unset);
        var set = new HashSet<string>();
        WalkSet(Full(), "state", set);
        Assert.Empty(unset.Where(p => !set.Contains(p)).Distinct());
    }

    static void Walk(object? value, string path, List<string> unset)
    {
        switch (value)
        {
            case null: unset.Add(path); return;
            case string str: if (str.Length == 0) unset.Add(path); return;
            case DateTime t: if (t == default) unset.Add(path); return;
            case System.Collections.IDictionary d: if (d.Count == 0) unset.Add(path); return;
            case System.Collections.IList l:
                if (l.Count == 0) unset.Add(path);
                foreach (var e in l) Walk(e, $"{path}[]", unset);
                return;
        }
        var type = value.GetType();
        if (type.IsPrimitive || type.IsEnum) { if (value.Equals(Activator.CreateInstance(type))) unset.Add(path); return; }
        foreach (var p in type.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
                     .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract"))
            Walk(p.GetValue(value), $"{path}.{p.Name}", unset);
    }

    // Every path Walk would not call unset, found in any element.
    static void WalkSet(object? value, string path, HashSet<string> set)
    {
        var unset = new List<string>();
        Walk(value, path, unset);
        if (unset.Count == 0) { set.Add(path); }
        switch (value)
        {
            case null or string or DateTime or System.Collections.IDictionary: return;
            case System.Collections.IList l:
                if (l.Count > 0) set.Add(path);
                foreach (var e in l) WalkSet(e, $"{path}[]", set);
                return;
        }
        var type = value.GetType();
        if (type.IsPrimitive || type.IsEnum) return;
        foreach (var p in type.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
                     .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract"))
            WalkSet(p.GetValue(value), $"{path}.{p.Name}", set);
    }
}
