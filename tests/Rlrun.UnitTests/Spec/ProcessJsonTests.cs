using System.Text;
using System.Text.Json;
using Rlrun.Runtime.Container;
using Rlrun.Runtime.Spec;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Spec;

/// <summary>`exec --process FILE` reads process.json with SpecJsonReader.ReadProcess: what
/// ProcessJsonContext (System.Text.Json, kept in Support/) read, it reads alike; where it refuses
/// what System.Text.Json let through (a null where the model has none), the test says so.</summary>
public class ProcessJsonTests
{
    const string Name = "/run/p/process.json";

    static SpecProcess? Stj(byte[] json) => JsonSerializer.Deserialize(json, ProcessJsonContext.Default.SpecProcess);

    /// <summary>The process of the full fixture: every field set (SpecJsonTests checks the fixture).</summary>
    static string FullProcess()
    {
        using var doc = JsonDocument.Parse(Specs.FullJson);
        return doc.RootElement.GetProperty("process").GetRawText();
    }

    // What containerd's runc shim writes for a CRI ExecSync and podman for `podman exec` (Go's
    // specs.Process: omitempty fields left out, newer fields rlrun does not know).
    const string Containerd = """
        {"user":{"uid":0,"gid":0,"additionalGids":[0,10]},"args":["sh","-c","cat /etc/hostname"],"env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","HOSTNAME=pod"],"cwd":"/","capabilities":{"bounding":["CAP_CHOWN","CAP_KILL"],"effective":["CAP_CHOWN","CAP_KILL"],"permitted":["CAP_CHOWN","CAP_KILL"]},"rlimits":[{"type":"RLIMIT_NOFILE","hard":1048576,"soft":1048576}],"noNewPrivileges":true,"oomScoreAdj":-998,"ioPriority":{"class":"IOPRIO_CLASS_RT","priority":1},"scheduler":{"policy":"SCHED_OTHER"}}
        """;

    const string Podman = """
        {
          "terminal": true,
          "consoleSize": {"height": 50, "width": 200},
          "user": {"uid": 1000, "gid": 1000, "umask": 18, "username": "app"},
          "args": ["/bin/bash"],
          "env": ["TERM=xterm", "container=podman", "HOME=/home/app"],
          "cwd": "/home/app",
          "capabilities": {"bounding": ["CAP_NET_RAW"], "effective": [], "inheritable": [], "permitted": [], "ambient": []},
          "apparmorProfile": "containers-default-0.50.0",
          "selinuxLabel": "system_u:system_r:container_t:s0:c1,c2"
        }
        """;

    [Theory]
    [InlineData("full")]
    [InlineData("containerd")]
    [InlineData("podman")]
    public void Reads_a_process_as_System_Text_Json_read_it(string name)
    {
        byte[] json = Encoding.UTF8.GetBytes(name switch { "full" => FullProcess(), "containerd" => Containerd, _ => Podman });
        var mine = SpecJsonReader.ReadProcess(json);
        Assert.NotNull(mine);
        Assert.Empty(SpecJsonTests.Differences(Stj(json), mine, "process"));
    }

    /// <summary>Every field reaches the reader: the full process sets each one (none null, empty or false).</summary>
    [Fact]
    public void The_full_process_sets_every_field_and_reads_it()
    {
        var unset = new List<string>();
        var seen = new HashSet<Type>();
        var mine = SpecJsonReader.ReadProcess(Encoding.UTF8.GetBytes(FullProcess()));
        SpecJsonTests.Walk(mine, "process", unset, seen);
        Assert.Empty(unset);
        Assert.Equal(SpecJsonTests.Reachable(typeof(SpecProcess)).Select(t => t.Name).Order(), seen.Select(t => t.Name).Order());
        Assert.Equal(-17, mine!.OomScoreAdj);
        Assert.Equal(ulong.MaxValue, mine.Rlimits![0].Hard);
        Assert.Equal(18u, mine.User.Umask);
    }

    /// <summary>Documents both read alike, or both refuse: names case-sensitive, unknown ones skipped,
    /// the last of a duplicate wins, escapes, nulls where the model allows them, numbers.</summary>
    [Theory]
    [InlineData("""{"args": ["a"], "args": ["b"], "cwd": "/x", "cwd": "/y"}""")]
    [InlineData("""{"Args": ["a"], "CWD": "/x", "user": {"UID": 5, "uid": 6}}""")]
    [InlineData("""{"\u0061rgs": ["r\u00e9", "\ud83d\ude00"], "future": {"deep": [[{"x": [null, 1e400]}]]}}""")]
    [InlineData("""{"consoleSize": null, "args": null, "commandLine": null, "env": null, "capabilities": null, "rlimits": null, "apparmorProfile": null, "oomScoreAdj": null, "selinuxLabel": null}""")]
    [InlineData("""{"user": {"umask": null, "additionalGids": null, "username": null}, "capabilities": {"bounding": null, "ambient": []}}""")]
    [InlineData("""{"rlimits": [{"type": "RLIMIT_CORE", "hard": 18446744073709551615, "soft": 0}], "oomScoreAdj": -2147483648}""")]
    [InlineData("""{"user": {"uid": 1.0}}""")]
    [InlineData("""{"user": {"uid": 1e2}}""")]
    [InlineData("""{"user": {"uid": -0}}""")]
    [InlineData("""{"user": {"uid": "1"}}""")]
    [InlineData("""{"user": {"uid": 4294967296}}""")]
    [InlineData("""{"user": {"uid": null}}""")]
    [InlineData("""{"consoleSize": {"height": -1}}""")]
    [InlineData("""{"oomScoreAdj": 2147483648}""")]
    [InlineData("""{"rlimits": [{"soft": -1}]}""")]
    [InlineData("""{"terminal": 1}""")]
    [InlineData("""{"terminal": null}""")]
    [InlineData("""{"noNewPrivileges": "true"}""")]
    [InlineData("""{"args": "sh"}""")]
    [InlineData("""{"args": {}}""")]
    [InlineData("""{"env": ["A=1", 2]}""")]
    [InlineData("""{"capabilities": []}""")]
    [InlineData("""{"args": ["sh"]} // comment""")]
    [InlineData("""{"args": ["sh"]} {}""")]
    [InlineData("""{"args": ["sh"],}""")]
    [InlineData("""{"args": ["sh",]}""")]
    [InlineData("""{"args": [""")]
    [InlineData("[]")]
    [InlineData("5")]
    [InlineData("")]
    [InlineData("null")]
    public void Reads_or_refuses_as_System_Text_Json_did(string json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        SpecProcess? theirs = null, mine = null;
        Exception? theirError = null, myError = null;
        try { theirs = Stj(bytes); }
        catch (JsonException e) { theirError = e; }
        try { mine = SpecJsonReader.ReadProcess(bytes); }
        catch (JsonException e) { myError = e; }
        Assert.True((theirError is null) == (myError is null), $"System.Text.Json: {theirError?.Message ?? "read"}; SpecJsonReader: {myError?.Message ?? "read"}");
        if (theirError is null) Assert.Empty(SpecJsonTests.Differences(theirs, mine, "process"));
    }

    /// <summary>A null where the model has none: ProcessJsonContext (no RespectNullableAnnotations)
    /// put it in the field or list, and exec then failed on it with a NullReferenceException or an
    /// ArgumentNullException from the init config's encoder. Now it is the file's error, at the null.</summary>
    [Theory]
    [InlineData("""{"args": ["sh"], "cwd": null}""", "1:25: field cwd: invalid process: expected a string, found null")]
    [InlineData("""{"args": ["sh"], "user": null}""", "1:26: field user: invalid process: expected an object, found null")]
    [InlineData("""{"args": ["sh", null]}""", "1:17: field args[1]: invalid process: expected a string, found null")]
    [InlineData("""{"args": ["sh"], "env": [null]}""", "1:26: field env[0]: invalid process: expected a string, found null")]
    [InlineData("""{"args": ["sh"], "rlimits": [null]}""", "1:30: field rlimits[0]: invalid process: expected an object, found null")]
    [InlineData("""{"args": ["sh"], "rlimits": [{"type": null}]}""", "1:39: field rlimits[0].type: invalid process: expected a string, found null")]
    [InlineData("""{"args": ["sh"], "capabilities": {"bounding": ["CAP_KILL", null]}}""", "1:60: field capabilities.bounding[1]: invalid process: expected a string, found null")]
    [InlineData("""{"args": ["sh"], "user": {"additionalGids": [null]}}""", "1:46: field user.additionalGids[0]: invalid process: expected an integer from 0 to 4294967295, found null")]
    public void A_null_where_the_model_has_none_is_refused(string json, string message)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        if (!json.Contains("additionalGids")) Assert.NotNull(Stj(bytes)); // what it was
        using var dir = new TempDir();
        string file = dir.Join("process.json");
        File.WriteAllBytes(file, bytes);
        var e = Assert.Throws<SpecError>(() => ExecProcessBuilder.Build(new ExecOptions("web", file, []), null));
        Assert.Equal($"{file}:{message}", e.Message);
    }

    [Theory]
    // A type mismatch at a nested path, the line and column those of the value.
    [InlineData("{\n  \"args\": [\"sh\"],\n  \"user\": {\n    \"uid\": \"root\"\n  }\n}", "4:12: field user.uid: invalid process: expected an integer from 0 to 4294967295, found the string \"root\"")]
    [InlineData("""{"args": "sh -c x"}""", "1:10: field args: invalid process: expected an array, found the string \"sh -c x\"")]
    [InlineData("""{"args": ["sh"], "terminal": "yes"}""", "1:30: field terminal: invalid process: expected true or false, found the string \"yes\"")]
    [InlineData("""{"args": ["sh"], "rlimits": [{"type": "RLIMIT_NOFILE", "hard": -1}]}""", "1:64: field rlimits[0].hard: invalid process: expected an integer from 0 to 18446744073709551615, found -1")]
    [InlineData("""{"args": ["sh"], "oomScoreAdj": 1.5}""", "1:33: field oomScoreAdj: invalid process: expected an integer from -2147483648 to 2147483647, found 1.5")]
    [InlineData("""{"args": ["sh"], "consoleSize": {"width": true}}""", "1:43: field consoleSize.width: invalid process: expected an integer from 0 to 4294967295, found true")]
    [InlineData("""{"args": ["sh"], "capabilities": {"effective": "CAP_KILL"}}""", "1:48: field capabilities.effective: invalid process: expected an array, found the string \"CAP_KILL\"")]
    [InlineData("[\"sh\"]", "1:1: invalid process: expected an object, found an array")]
    // Malformed JSON: the reader's own words, at its place.
    [InlineData("{\n  \"args\": [\"sh\"],\n  \"cwd\": x\n}", "3:10: field cwd: invalid process: 'x' is an invalid start of a value")]
    [InlineData("""{"args": ["sh",]}""", "1:16: field args[1]: invalid process: The JSON array contains a trailing comma at the end")]
    [InlineData("""{"args": ["sh"]} // x""", "1:18: invalid process: '/' is invalid after a single JSON value. Expected end of data (comments are not allowed)")]
    [InlineData("", "1:1: invalid process: The input does not contain any JSON tokens")]
    public void A_bad_process_file_names_the_place_the_field_and_what_was_expected(string json, string message)
    {
        using var dir = new TempDir();
        string file = dir.Join("process.json");
        File.WriteAllText(file, json);
        var e = Assert.Throws<SpecError>(() => ExecProcessBuilder.Build(new ExecOptions("web", file, []), null));
        Assert.True(e.Message.StartsWith($"{file}:{message}", StringComparison.Ordinal), e.Message);
        Assert.DoesNotContain("LineNumber", e.Message);
    }

    [Fact]
    public void A_null_document_is_refused_as_before()
    {
        Assert.Null(Stj("null"u8.ToArray()));
        Assert.Null(SpecJsonReader.ReadProcess("null"u8));
        var e = Assert.Throws<SpecError>(() => SpecLoader.ParseProcess("null"u8, Name));
        Assert.Equal($"{Name}: the document is null, expected an object", e.Message);
    }
}
