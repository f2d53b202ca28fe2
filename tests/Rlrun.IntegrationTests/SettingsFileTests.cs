using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>$XDG_CONFIG_HOME/rlrun/rlrun.json, as a user writes it by hand: a file that is not JSON
/// is refused in one line naming the file and the line of the mistake.</summary>
public sealed class SettingsFileTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    ProcResult ListWith(string json)
    {
        string config = Path.Join(_s.Dir, "config");
        Directory.CreateDirectory(Path.Join(config, "rlrun"));
        File.WriteAllText(Path.Join(config, "rlrun", "rlrun.json"), json);
        Host.ChownToUser(config);
        return Proc.Run(Host.AsUser(Host.Binary, ["--root", _s.StateRoot, "list"], [.. Host.ShellEnv, new("XDG_CONFIG_HOME", config)]),
            timeout: TimeSpan.FromSeconds(30));
    }

    string File_ => Path.Join(_s.Dir, "config", "rlrun", "rlrun.json");

    /// <summary>The JSON provider's own words were "Could not parse the JSON file.": no line, nothing
    /// on what was wrong.</summary>
    [UserFact]
    public void A_file_that_is_not_JSON_is_named_with_the_line_of_the_mistake()
    {
        var r = ListWith("{\n  \"root\": \"/tmp/x\",\n  \"cgroup_manager\": auto\n}\n");
        Assert.Equal(1, r.ExitCode);
        string line = Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.StartsWith($"rlrun: list: {File_}:3: not valid JSON: ", line);
        Assert.DoesNotContain("Could not parse", line);
    }

    [UserFact]
    public void An_empty_file_is_named_as_such()
    {
        var r = ListWith("");
        Assert.Equal(1, r.ExitCode);
        string line = Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.StartsWith($"rlrun: list: {File_}:1: not valid JSON: ", line);
    }

    [UserFact]
    public void A_good_file_is_read()
    {
        var r = ListWith("{ \"cgroup_manager\": \"bogus\" }\n");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("invalid cgroup manager \"bogus\"", r.Stderr);
    }
}
