using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>What a runc or podman user reads when something is wrong, from the real binary as the
/// unprivileged user: one line, after the command's name as runc puts its step ("rlrun: spec: ..."),
/// naming the file, and an exit code that is not 0.</summary>
public sealed class CliWordsTests : IDisposable
{
    readonly Sandbox _s = new();

    public void Dispose() => _s.Dispose();

    /// <summary>runc: `open config.json: permission denied`. Before, .NET's "Access to the path ... is denied".</summary>
    [Fact]
    public void Spec_in_an_unwritable_directory_is_one_line_naming_the_file()
    {
        string dir = Path.Join(_s.Dir, "readonly");
        Directory.CreateDirectory(dir);
        Host.ChownToUser(dir);
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        if (!Host.Unprivileged) return; // root writes anywhere: nothing to refuse

        var r = _s.Rl(["spec"], cwd: dir);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("rlrun: spec: open config.json: Permission denied\n", r.Stderr);
        r = _s.Rl(["spec", "--rootless", "--bundle", dir]);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"rlrun: spec: open {dir}/config.json: Permission denied\n", r.Stderr);
        Assert.False(File.Exists(Path.Join(dir, "config.json")));
    }

    [Fact]
    public void Spec_refuses_an_existing_config_and_a_missing_bundle_after_its_name()
    {
        string dir = Path.Join(_s.Dir, "b");
        Directory.CreateDirectory(dir);
        Host.ChownToUser(dir);
        Assert.Equal(0, _s.Rl(["spec", "--bundle", dir]).ExitCode);
        var r = _s.Rl(["spec", "--bundle", dir]);
        Assert.Equal((1, $"rlrun: spec: File {dir}/config.json exists. Remove it first\n"), (r.ExitCode, r.Stderr));
        r = _s.Rl(["spec", "--bundle", "/no/such/dir"]);
        Assert.Equal((1, "rlrun: spec: --bundle /no/such/dir: no such directory\n"), (r.ExitCode, r.Stderr));
    }

    /// <summary>Every error of a command comes after its name, as runc's "runc run failed: ...": before,
    /// those of a few exception types (a missing config.json, an ID in use, a refused start) had none.
    /// (An existing config.json, another of them, is in the spec test above.)</summary>
    [Fact]
    public void Every_error_names_its_command_once()
    {
        string id = _s.NewId("words");
        var cases = new List<(string[] Args, string Line)>
        {
            (["create", "--bundle", "/no/such/bundle", id], "rlrun: create: /no/such/bundle/config.json: no such file (is the bundle path right?)"),
            (["run", "--bundle", "/no/such/bundle", id], "rlrun: run: /no/such/bundle/config.json: no such file (is the bundle path right?)"),
            (["state", "nosuch-words"], "rlrun: state: container nosuch-words does not exist"),
            (["delete"], "rlrun: delete: \"delete\" requires a container id"),
        };
        foreach (var (args, line) in cases)
        {
            var r = _s.Rl(args);
            Assert.True(r.ExitCode == 1 && r.Stderr == line + "\n", $"{string.Join(' ', args)}: {r}");
        }
    }

    /// <summary>podman's words for rlrun's commands say which rlrun command does it.</summary>
    [Theory]
    [InlineData("rm", "rlrun: unknown command \"rm\" (see rlrun --help; podman's rm is rlrun delete [--force] ID)")]
    [InlineData("inspect", "rlrun: unknown command \"inspect\" (see rlrun --help; podman's inspect is rlrun state ID for a container, rlrun image inspect REF for an image)")]
    [InlineData("image ls", "rlrun: image: unknown subcommand \"ls\" (import, prune, inspect; podman's image ls is rlrun images)")]
    [InlineData("frobnicate", "rlrun: unknown command \"frobnicate\" (see rlrun --help)")]
    public void Podmans_words_name_rlruns_command(string command, string line)
    {
        var r = _s.Rl([.. command.Split(' '), "x"]);
        Assert.Equal((1, line + "\n"), (r.ExitCode, r.Stderr));
    }
}
