using System.Collections;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Rlrun.Runtime.Spec;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Spec;

/// <summary>The hand-written config.json codec (SpecJsonReader, SpecJsonWriter) writes exactly what
/// SpecJsonContext (System.Text.Json, kept in Support/) wrote and reads what it read; where the reader
/// refuses what System.Text.Json let through, the test says so.</summary>
public class SpecJsonTests
{
    const string Name = "/b/config.json";

    static OciSpec Stj(string json) => JsonSerializer.Deserialize(json, SpecJsonContext.Default.OciSpec)!;

    static string StjBytes(OciSpec spec) => Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(spec, SpecJsonContext.Default.OciSpec));

    static string Fixture(string file) => File.ReadAllText(Path.Join(AppContext.BaseDirectory, "Spec", "Fixtures", file));

    public static TheoryData<string> Specimens => ["full", "runc", "runc-rootless", "rlrun", "rlrun-rootless", "empty", "sparse"];

    // "sparse" has nulls in fields that cannot be null: left out, they come back as the defaults.
    public static TheoryData<string> RoundTrips => ["full", "runc", "runc-rootless", "rlrun", "rlrun-rootless", "empty"];

    static OciSpec Specimen(string name) => name switch
    {
        "full" => Stj(Specs.FullJson),
        "runc" => Stj(Fixture("runc-spec.json")),
        "runc-rootless" => Stj(Fixture("runc-spec-rootless.json")),
        "rlrun" => DefaultSpec.Create(false),
        "rlrun-rootless" => DefaultSpec.Create(true),
        "empty" => new OciSpec(),
        // Nulls where the model has none (left out as the serializer leaves them), empty lists and maps.
        _ => new OciSpec
        {
            Process = new SpecProcess { User = null!, Cwd = null!, Args = [], Env = ["A=1"] },
            Root = new SpecRoot { Path = null! },
            Mounts = [],
            Annotations = [],
            Linux = new SpecLinux { Resources = new SpecResources { Pids = new SpecPids { Limit = -1 }, Memory = new SpecMemory() }, Personality = JsonDocument.Parse("null").RootElement },
        },
    };

    [Theory]
    [MemberData(nameof(Specimens))]
    public void Writes_the_bytes_System_Text_Json_writes(string name)
    {
        var spec = Specimen(name);
        Assert.Equal(StjBytes(spec), Encoding.UTF8.GetString(SpecJsonWriter.Serialize(spec)));
    }

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void Reads_back_what_it_wrote_field_for_field(string name)
    {
        var spec = Specimen(name);
        var back = SpecJsonReader.ReadSpec(SpecJsonWriter.Serialize(spec))!;
        Assert.Empty(Differences(spec, back, "spec"));
    }

    /// <summary>A field added to the spec types later must reach the reader and the writer: the full
    /// fixture sets every property of every type reachable from OciSpec (none null, no list or map
    /// empty, no bool false), so the two tests above cover it.</summary>
    [Fact]
    public void The_full_fixture_sets_every_property_of_every_spec_type()
    {
        var unset = new List<string>();
        var seen = new HashSet<Type>();
        Walk(Stj(Specs.FullJson), "spec", unset, seen);
        Assert.Empty(unset);
        Assert.Equal(Reachable(typeof(OciSpec)).OrderBy(t => t.Name).Select(t => t.Name), seen.OrderBy(t => t.Name).Select(t => t.Name));
    }

    [Theory]
    [InlineData("full")]
    [InlineData("runc-spec.json")]
    [InlineData("runc-spec-rootless.json")]
    [InlineData("rlrun")]
    [InlineData("rlrun-rootless")]
    public void Reads_a_config_as_System_Text_Json_read_it(string name)
    {
        byte[] json = name switch
        {
            "full" => Encoding.UTF8.GetBytes(Specs.FullJson),
            "rlrun" => SpecJsonWriter.Serialize(DefaultSpec.Create(false)),
            "rlrun-rootless" => SpecJsonWriter.Serialize(DefaultSpec.Create(true)),
            _ => Encoding.UTF8.GetBytes(Fixture(name)),
        };
        var mine = SpecJsonReader.ReadSpec(json)!;
        Assert.Empty(Differences(JsonSerializer.Deserialize(json, SpecJsonContext.Default.OciSpec)!, mine, "spec"));
        if (name != "full") SpecValidator.Validate(mine, Name); // runnable as they are (the full fixture is not)
    }

    /// <summary>Documents both read alike, or both refuse: names case-sensitive, unknown ones skipped,
    /// the last of a duplicate wins, escapes in names, nulls where the model allows them, raw JSON kept.</summary>
    [Theory]
    [InlineData("""{"ociVersion": "1", "ociVersion": "2", "process": {"args": ["a"]}, "process": {"cwd": "/x"}}""")]
    [InlineData("""{"annotations": {"a": "1", "a": "2", "b": "3"}, "mounts": [{"destination": "/a"}], "mounts": []}""")]
    [InlineData("""{"OciVersion": "1", "Process": 5, "root": {"Path": "x", "path": "y"}}""")]
    [InlineData("""{"\u0072oot": {"p\u0061th": "r\u00e9"}, "hostname": "\ud83d\ude00"}""")]
    [InlineData("""{"ociVersion": null, "process": null, "root": null, "mounts": null, "hooks": null, "annotations": null, "linux": null}""")]
    [InlineData("""{"process": {"consoleSize": null, "args": null, "capabilities": null, "rlimits": null, "oomScoreAdj": null, "user": {"umask": null, "additionalGids": null}}}""")]
    [InlineData("""{"linux": {"intelRdt": null, "personality": [1, {"a": null}], "timeOffsets": "x", "resources": {"network": 5, "rdma": null, "memory": {"limit": null, "swappiness": null}}}}""")]
    [InlineData("""{"linux": {"devices": [{"type": "c", "path": "/dev/x", "major": -1, "minor": 9223372036854775807, "fileMode": null}]}}""")]
    [InlineData("""{"process": {"rlimits": [{"type": "RLIMIT_CORE", "hard": 18446744073709551615, "soft": 0}]}}""")]
    [InlineData("""{"vendor": {"deep": [[[{"x": [null, true, 1e400]}]]]}, "root": {"path": "r", "future": {}}}""")]
    [InlineData("""{"process": {"user": {"uid": 1.0}}}""")]
    [InlineData("""{"process": {"user": {"uid": 1e2}}}""")]
    [InlineData("""{"process": {"user": {"uid": -0}}}""")]
    [InlineData("""{"process": {"user": {"uid": "1"}}}""")]
    [InlineData("""{"process": {"user": {"uid": 4294967296}}}""")]
    [InlineData("""{"process": {"oomScoreAdj": -2147483649}}""")]
    [InlineData("""{"linux": {"resources": {"blockIO": {"weight": 65536}}}}""")]
    [InlineData("""{"linux": {"resources": {"blockIO": {"weight": -1}}}}""")]
    [InlineData("""{"linux": {"devices": [{"major": 9223372036854775808}]}}""")]
    [InlineData("""{"process": {"terminal": 1}}""")]
    [InlineData("""{"process": {"terminal": null}}""")]
    [InlineData("""{"process": {"cwd": null}}""")]
    [InlineData("""{"process": {"user": null}}""")]
    [InlineData("""{"linux": {"seccomp": {"syscalls": [{"names": null}]}}}""")]
    [InlineData("""{"mounts": {}}""")]
    [InlineData("""{"annotations": {"a": 1}}""")]
    [InlineData("""{"annotations": []}""")]
    [InlineData("""{"root": {"path": "r"}} // comment""")]
    [InlineData("""{"root": {"path": "r"}} {}""")]
    [InlineData("""{"root": {"path": "r"},}""")]
    [InlineData("""{"root": {""")]
    [InlineData("[]")]
    [InlineData("5")]
    [InlineData("")]
    [InlineData("null")]
    public void Reads_or_refuses_as_System_Text_Json_did(string json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        OciSpec? theirs = null, mine = null;
        Exception? theirError = null, myError = null;
        try { theirs = JsonSerializer.Deserialize(bytes, SpecJsonContext.Default.OciSpec); }
        catch (JsonException e) { theirError = e; }
        try { mine = SpecJsonReader.ReadSpec(bytes); }
        catch (JsonException e) { myError = e; }
        Assert.True((theirError is null) == (myError is null), $"System.Text.Json: {theirError?.Message ?? "read"}; SpecJsonReader: {myError?.Message ?? "read"}");
        if (theirError is null) Assert.Empty(Differences(theirs, mine, "spec"));
    }

    /// <summary>A null inside an array or a map: System.Text.Json let it through (RespectNullableAnnotations
    /// does not reach a collection's elements) and the validator or the init failed on it later.</summary>
    [Theory]
    [InlineData("""{"process": {"args": ["sh", null]}}""", "1:29: field process.args[1]: invalid config: expected a string, found null")]
    [InlineData("""{"mounts": [{"destination": "/a"}, null]}""", "1:36: field mounts[1]: invalid config: expected an object, found null")]
    [InlineData("""{"annotations": {"a": null}}""", "1:23: field annotations.a: invalid config: expected a string, found null")]
    public void A_null_inside_an_array_or_map_is_refused(string json, string message)
    {
        Assert.NotNull(JsonSerializer.Deserialize(json, SpecJsonContext.Default.OciSpec)); // what it was
        var e = Assert.Throws<SpecError>(() => SpecLoader.Parse(Encoding.UTF8.GetBytes(json), Name));
        Assert.Equal($"{Name}:{message}", e.Message);
    }

    [Theory]
    // A type mismatch at a nested path, the column that of the value.
    [InlineData("{\n  \"process\": {\n    \"args\": 5\n  }\n}", "3:13: field process.args: invalid config: expected an array, found 5")]
    [InlineData("""{"mounts": [{"destination": "/a"}, {"destination": "/b", "uidMappings": [{"size": "x"}]}]}""",
        "1:83: field mounts[1].uidMappings[0].size: invalid config: expected an integer from 0 to 4294967295, found the string \"x\"")]
    [InlineData("""{"linux": {"resources": {"memory": {"limit": true}}}}""", "1:46: field linux.resources.memory.limit: invalid config: expected an integer from -9223372036854775808 to 9223372036854775807, found true")]
    [InlineData("""{"linux": {"seccomp": {"syscalls": [{"names": ["read", 1]}]}}}""", "1:56: field linux.seccomp.syscalls[0].names[1]: invalid config: expected a string, found 1")]
    [InlineData("""{"annotations": {"io.example/a": {}}}""", "1:34: field annotations['io.example/a']: invalid config: expected a string, found an object")]
    // A null where the model's field is not nullable.
    [InlineData("""{"process": {"cwd": null}}""", "1:21: field process.cwd: invalid config: expected a string, found null")]
    [InlineData("""{"process": {"user": null}}""", "1:22: field process.user: invalid config: expected an object, found null")]
    [InlineData("""{"process": {"terminal": null}}""", "1:26: field process.terminal: invalid config: expected true or false, found null")]
    [InlineData("""{"process": {"user": {"additionalGids": [null]}}}""", "1:42: field process.user.additionalGids[0]: invalid config: expected an integer from 0 to 4294967295, found null")]
    [InlineData("""{"linux": {"seccomp": {"syscalls": [{"names": null}]}}}""", "1:47: field linux.seccomp.syscalls[0].names: invalid config: expected an array, found null")]
    // Numbers out of range, or not integers.
    [InlineData("""{"process": {"user": {"uid": 4294967296}}}""", "1:30: field process.user.uid: invalid config: expected an integer from 0 to 4294967295, found 4294967296")]
    [InlineData("""{"process": {"user": {"gid": -1}}}""", "1:30: field process.user.gid: invalid config: expected an integer from 0 to 4294967295, found -1")]
    [InlineData("""{"process": {"rlimits": [{"hard": 18446744073709551616}]}}""", "1:35: field process.rlimits[0].hard: invalid config: expected an integer from 0 to 18446744073709551615, found 18446744073709551616")]
    [InlineData("""{"linux": {"devices": [{"major": 1e3}]}}""", "1:34: field linux.devices[0].major: invalid config: expected an integer from -9223372036854775808 to 9223372036854775807, found 1e3")]
    [InlineData("""{"linux": {"resources": {"blockIO": {"weight": 65536}}}}""", "1:48: field linux.resources.blockIO.weight: invalid config: expected an integer from 0 to 65535, found 65536")]
    [InlineData("""{"process": {"oomScoreAdj": 2147483648}}""", "1:29: field process.oomScoreAdj: invalid config: expected an integer from -2147483648 to 2147483647, found 2147483648")]
    // The column counts characters, as an editor does, not bytes.
    [InlineData("""{"hostname": "ééé", "root": 5}""", "1:29: field root: invalid config: expected an object, found 5")]
    // Not an object at the root.
    [InlineData("[]", "1:1: invalid config: expected an object, found an array")]
    [InlineData("\n  \"config\"", "2:3: invalid config: expected an object, found the string \"config\"")]
    public void A_wrong_value_names_the_place_the_field_and_what_was_expected(string json, string message)
    {
        var e = Assert.Throws<SpecError>(() => SpecLoader.Parse(Encoding.UTF8.GetBytes(json), Name));
        Assert.Equal($"{Name}:{message}", e.Message);
    }

    [Theory]
    [InlineData("""{"root": {""", "1:11: field root: invalid config: Expected depth to be zero")]
    [InlineData("{\"process\": {\"args\": [\"sh\",, ]}}", "1:28: field process.args[1]: invalid config: ',' is an invalid start of a value")]
    [InlineData("{\"root\": {\"path\": \"r\"}} // x", "1:25: invalid config: '/' is invalid after a single JSON value. Expected end of data (comments are not allowed)")]
    [InlineData("{\"root\": /* x */ {}}", "1:10: field root: invalid config: '/' is invalid after a value. Expected either ',', '}', or ']' (comments are not allowed)")]
    [InlineData("{\n\"root\": {\"path\": \"r\"},\n\"mounts\": [{},\n {},,]}", "4:5: field mounts[2]: invalid config: ',' is an invalid start of a value")]
    [InlineData("{\"root\": {\"path\": \"r\"}} x", "1:25: invalid config: 'x' is invalid after a single JSON value")]
    [InlineData("", "1:1: invalid config: The input does not contain any JSON tokens")]
    public void Malformed_json_names_the_place_and_the_reader_s_words(string json, string message)
    {
        var e = Assert.Throws<SpecError>(() => SpecLoader.Parse(Encoding.UTF8.GetBytes(json), Name));
        Assert.StartsWith($"{Name}:{message}", e.Message);
        Assert.DoesNotContain("LineNumber", e.Message);
    }

    [Fact]
    public void Update_resources_read_as_linux_resources()
    {
        var r = SpecLoader.ParseResources("""{"memory": {"limit": -1, "swap": 5}, "cpu": {"shares": 1024, "cpus": "0-1"}, "pids": {"limit": 50}, "x": 1}"""u8, "stdin")!;
        Assert.Equal(-1, r.Memory!.Limit);
        Assert.Equal(5, r.Memory.Swap);
        Assert.Equal(1024UL, r.Cpu!.Shares);
        Assert.Equal("0-1", r.Cpu.Cpus);
        Assert.Equal(50, r.Pids!.Limit);
        Assert.Null(SpecLoader.ParseResources("null"u8, "stdin"));
        var e = Assert.Throws<SpecError>(() => SpecLoader.ParseResources("""{"cpu": {"shares": -2}}"""u8, "stdin"));
        Assert.Equal("stdin:1:20: field cpu.shares: invalid resources: expected an integer from 0 to 18446744073709551615, found -2", e.Message);
    }

    [Fact]
    public void Update_resources_read_as_System_Text_Json_read_them()
    {
        byte[] json = Encoding.UTF8.GetBytes(Specs.FullJson);
        using var doc = JsonDocument.Parse(json);
        byte[] resources = Encoding.UTF8.GetBytes(doc.RootElement.GetProperty("linux").GetProperty("resources").GetRawText());
        Assert.Empty(Differences(JsonSerializer.Deserialize(resources, SpecJsonContext.Default.SpecResources), SpecJsonReader.ReadResources(resources), "resources"));
    }

    // Field-for-field comparison: JsonElements by their raw text and kind.
    internal static List<string> Differences(object? a, object? b, string path)
    {
        var diffs = new List<string>();
        Compare(a, b, path, diffs);
        return diffs;
    }

    static void Compare(object? a, object? b, string path, List<string> diffs)
    {
        if (a is null || b is null) { if (a is not null || b is not null) diffs.Add($"{path}: {a ?? "null"} / {b ?? "null"}"); return; }
        if (a.GetType() != b.GetType()) { diffs.Add($"{path}: {a.GetType()} / {b.GetType()}"); return; }
        switch (a)
        {
            case string or bool or int or uint or long or ulong or ushort or DateTimeOffset:
                if (!a.Equals(b)) diffs.Add($"{path}: {a} / {b}");
                return;
            case JsonElement ea:
                if (Compact(ea) != Compact((JsonElement)b)) diffs.Add($"{path}: {Compact(ea)} / {Compact((JsonElement)b)}");
                return;
            case IDictionary da:
                var db = (IDictionary)b;
                if (da.Count != db.Count) diffs.Add($"{path}: {da.Count} / {db.Count} entries");
                foreach (DictionaryEntry kv in da) Compare(kv.Value, db.Contains(kv.Key) ? db[kv.Key] : null, $"{path}[{kv.Key}]", diffs);
                // The order is written out: keep it.
                if (!da.Keys.Cast<object>().SequenceEqual(db.Keys.Cast<object>())) diffs.Add($"{path}: key order");
                return;
            case IList la:
                var lb = (IList)b;
                if (la.Count != lb.Count) { diffs.Add($"{path}: {la.Count} / {lb.Count} items"); return; }
                for (int i = 0; i < la.Count; i++) Compare(la[i], lb[i], $"{path}[{i}]", diffs);
                return;
        }
        foreach (var p in Properties(a.GetType())) Compare(p.GetValue(a), p.GetValue(b), $"{path}.{p.Name}", diffs);
    }

    // Written again without indentation: the same value whatever the whitespace it was read with.
    static string Compact(JsonElement e)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer)) e.WriteTo(w);
        return $"{e.ValueKind} {Encoding.UTF8.GetString(buffer.WrittenSpan)}";
    }

    static IEnumerable<PropertyInfo> Properties(Type t) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0);

    internal static void Walk(object? value, string path, List<string> unset, HashSet<Type> seen)
    {
        switch (value)
        {
            case null: unset.Add(path); return;
            case string s: if (s.Length == 0) unset.Add(path); return;
            case bool b: if (!b) unset.Add(path); return;
            case JsonElement: return;
            case IDictionary d: if (d.Count == 0) unset.Add(path); return;
            case IList l:
                if (l.Count == 0) unset.Add(path);
                for (int i = 0; i < l.Count; i++) Walk(l[i], $"{path}[{i}]", unset, seen);
                return;
        }
        var type = value.GetType();
        if (type.IsPrimitive) return; // zero is a real value (uid 0)
        seen.Add(type);
        foreach (var p in Properties(type)) Walk(p.GetValue(value), $"{path}.{p.Name}", unset, seen);
    }

    /// <summary>The classes reachable from a type through its properties, lists and maps.</summary>
    internal static HashSet<Type> Reachable(Type root)
    {
        var found = new HashSet<Type>();
        var todo = new Stack<Type>([root]);
        while (todo.TryPop(out var t))
        {
            if (t.IsGenericType) { foreach (var a in t.GetGenericArguments()) todo.Push(a); continue; }
            if (!t.IsClass || t == typeof(string) || !found.Add(t)) continue;
            foreach (var p in Properties(t)) todo.Push(p.PropertyType);
        }
        return found;
    }
}
