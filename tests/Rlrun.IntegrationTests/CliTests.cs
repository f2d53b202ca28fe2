using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>--version and spec.</summary>
public sealed class CliTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    [Fact]
    public void Version_prints_version_and_commit()
    {
        var r = _s.Rl("--version");
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n');
        Assert.StartsWith("rlrun version ", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("commit: ") && l.Length > "commit: ".Length);
    }

    [Fact]
    public void Spec_writes_a_config_and_refuses_to_overwrite_it()
    {
        string dir = Path.Join(_s.Dir, "empty");
        Directory.CreateDirectory(dir);
        Host.ChownToUser(dir);
        var first = _s.Rl(["spec"], cwd: dir);
        Assert.True(first.ExitCode == 0, first.ToString());
        string path = Path.Join(dir, "config.json");
        string text = File.ReadAllText(path);
        var config = JsonNode.Parse(text)!.AsObject();
        Assert.False(string.IsNullOrEmpty(config["ociVersion"]?.GetValue<string>()), "no ociVersion");
        Assert.NotNull(config["process"]?["args"]);

        var second = _s.Rl(["spec"], cwd: dir);
        Assert.True(second.ExitCode != 0, $"a second spec succeeded: {second}");
        Assert.Contains("config.json", second.Stderr);
        Assert.Equal(text, File.ReadAllText(path));
    }
}
