using Rlrun.Runtime.Spec;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Spec;

public class SpecLoaderTests
{
    const string Name = "/bundles/web/config.json";

    const string MinimalJson = """
        {
          "ociVersion": "1.0.2",
          "root": { "path": "rootfs" },
          "process": { "args": ["/bin/true"] }
        }
        """;

    [Fact]
    public void Malformed_json_names_the_file_and_the_line_and_column()
    {
        // The stray token x is on line 3, column 11 (1-based).
        string json = "{\n  \"ociVersion\": \"1.2.0\",\n  \"root\": x\n}";
        var e = Assert.Throws<SpecError>(() => SpecLoader.Parse(Specs.Utf8(json), Name));
        Assert.StartsWith($"{Name}:3:11:", e.Message);
        Assert.Contains("invalid config", e.Message);
    }

    [Fact]
    public void Malformed_json_on_a_later_line_reports_that_line()
    {
        string json = "{\n\n\n\n  \"ociVersion\": \"1.2.0\",,\n}";
        var e = Assert.Throws<SpecError>(() => SpecLoader.Parse(Specs.Utf8(json), Name));
        Assert.StartsWith($"{Name}:5:", e.Message);
    }

    [Fact]
    public void Truncated_json_is_a_spec_error_naming_the_file()
    {
        var e = Assert.Throws<SpecError>(() => SpecLoader.Parse(Specs.Utf8("{\"ociVersion\": \"1.2.0\", \"root\": {"), Name));
        Assert.StartsWith(Name + ":", e.Message);
    }

    [Fact]
    public void A_type_error_names_the_field_path()
    {
        string json = MinimalJson.Replace("\"args\": [\"/bin/true\"]", "\"args\": 5");
        var e = Assert.Throws<SpecError>(() => SpecLoader.Parse(Specs.Utf8(json), Name));
        Assert.Contains("field process.args:", e.Message);
        Assert.StartsWith(Name + ":", e.Message);
        Assert.DoesNotContain(" Path:", e.Message);
    }

    [Fact]
    public void A_type_error_inside_a_list_names_the_index()
    {
        string json = MinimalJson.Replace("\"root\"",
            "\"mounts\": [{\"destination\": \"/proc\"}, {\"destination\": \"/tmp\", \"options\": \"ro\"}],\n  \"root\"");
        var e = Assert.Throws<SpecError>(() => SpecLoader.Parse(Specs.Utf8(json), Name));
        Assert.Contains("field mounts[1].options:", e.Message);
    }

    [Fact]
    public void A_null_string_field_is_a_spec_error_naming_the_field()
    {
        // process.cwd is a string; null is a type error, not a crash of the validator.
        string json = MinimalJson.Replace("\"args\"", "\"cwd\": null, \"args\"");
        var e = Assert.Throws<SpecError>(() => SpecLoader.Parse(Specs.Utf8(json), Name));
        Assert.Contains("process.cwd", e.Message);
    }

    [Fact]
    public void A_null_document_is_a_spec_error()
    {
        var e = Assert.Throws<SpecError>(() => SpecLoader.Parse(Specs.Utf8("null"), Name));
        Assert.StartsWith(Name + ":", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_default_config_serialized_loads_back_unchanged(bool rootless)
    {
        var original = DefaultSpec.Create(rootless);
        var loaded = SpecLoader.Parse(Specs.ToJson(original), Name);

        Assert.Equal(original.OciVersion, loaded.OciVersion);
        Assert.Equal(original.Process!.Args, loaded.Process!.Args);
        Assert.Equal(original.Process.Env, loaded.Process.Env);
        Assert.Equal("RLIMIT_NOFILE", Assert.Single(loaded.Process.Rlimits!).Type);
        Assert.Equal(original.Mounts!.Select(m => (m.Destination, m.Type)), loaded.Mounts!.Select(m => (m.Destination, m.Type)));
        Assert.Equal(original.Linux!.Namespaces!.Select(n => n.Type), loaded.Linux!.Namespaces!.Select(n => n.Type));
        Assert.Equal(rootless, loaded.Linux.Namespaces!.Any(n => n.Type == "user"));
        Assert.Equal(original.Linux.MaskedPaths, loaded.Linux.MaskedPaths);
        Assert.True(loaded.Root!.Readonly);
    }

    [Fact]
    public void A_hand_written_minimal_config_loads_with_defaults_filled_in()
    {
        var spec = SpecLoader.Parse(Specs.Utf8(MinimalJson), Name);
        Assert.Equal("1.0.2", spec.OciVersion);
        Assert.Equal("rootfs", spec.Root!.Path);
        Assert.False(spec.Root.Readonly);
        Assert.Equal(["/bin/true"], spec.Process!.Args!);
        Assert.Equal("/", spec.Process.Cwd);
        Assert.Equal(0u, spec.Process.User.Uid);
        Assert.Null(spec.Mounts);
        Assert.Null(spec.Linux);
    }

    [Fact]
    public void Unknown_fields_are_ignored()
    {
        string json = """
            {
              "ociVersion": "1.2.0",
              "vendor.example": { "deep": [1, 2, {"x": null}] },
              "root": { "path": "rootfs", "future": true },
              "process": { "args": ["sh"], "ioPriority": { "class": "IOPRIO_CLASS_IDLE" } },
              "linux": { "namespaces": [ { "type": "mount", "extra": 1 } ] },
              "annotations": { "org.example": "1" }
            }
            """;
        var spec = SpecLoader.Parse(Specs.Utf8(json), Name);
        Assert.Equal(["sh"], spec.Process!.Args!);
        Assert.Equal("mount", Assert.Single(spec.Linux!.Namespaces!).Type);
        Assert.Equal("1", spec.Annotations!["org.example"]);
    }

    [Fact]
    public void Parse_runs_the_validator()
    {
        string json = MinimalJson.Replace("\"1.0.2\"", "\"\"");
        var e = Assert.Throws<SpecError>(() => SpecLoader.Parse(Specs.Utf8(json), Name));
        Assert.Equal($"{Name}: field ociVersion: missing", e.Message);
    }

    [Fact]
    public void Load_reads_a_config_file()
    {
        using var dir = new TempDir();
        string path = dir.Join("config.json");
        File.WriteAllText(path, MinimalJson);
        Assert.Equal(["/bin/true"], SpecLoader.Load(path).Process!.Args!);
    }

    [Fact]
    public void Load_of_a_missing_file_names_the_path()
    {
        using var dir = new TempDir();
        string path = dir.Join("config.json");
        var e = Assert.Throws<SpecError>(() => SpecLoader.Load(path));
        Assert.StartsWith(path + ":", e.Message);
        Assert.Contains("no such file", e.Message);
    }

    [Fact]
    public void Load_in_a_missing_directory_names_the_path()
    {
        using var dir = new TempDir();
        string path = dir.Join("no-bundle", "config.json");
        var e = Assert.Throws<SpecError>(() => SpecLoader.Load(path));
        Assert.StartsWith(path + ":", e.Message);
    }

    [Fact]
    public void Load_errors_name_the_file_path()
    {
        using var dir = new TempDir();
        string path = dir.Join("config.json");
        File.WriteAllText(path, "{\n  \"ociVersion\": 1.2\n}");
        var e = Assert.Throws<SpecError>(() => SpecLoader.Load(path));
        Assert.StartsWith(path + ":2:", e.Message);
        Assert.Contains("field ociVersion:", e.Message);
    }
}
