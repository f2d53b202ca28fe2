using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>The image form's `run -d` as a podman user scripts it: `id=$(rlrun run -d --image ...)`
/// returns at once with the ID while the container runs on, and its output is in `rlrun logs`.
/// Before, the container inherited the caller's stdout, so the command substitution waited for the
/// container to exit, and `rlrun logs` had nothing for it.</summary>
public sealed class ImageDetachedRunTests(ImageRunFixture f) : IClassFixture<ImageRunFixture>
{
    [SubIdFact]
    public void Run_d_of_an_image_returns_its_id_to_a_command_substitution_and_keeps_its_output_in_logs()
    {
        Assert.True(f.Error is null, $"the test image could not be made: {f.Error}");
        string id = $"newuser-detached-{Guid.NewGuid().ToString("N")[..8]}";
        try
        {
            // What a script writes; the container outlives the substitution by a minute.
            string script = """id=$("$0" --root "$1" run -d --network none --image "$2" "$3" -- sh -c 'echo from-the-container; sleep 60') && echo "id=$id" """;
            var s = Proc.Run(Host.AsUser("/bin/sh", ["-c", script, Host.Binary, f.Sandbox.StateRoot, ImageRunFixture.Image, id], f.Env),
                timeout: TimeSpan.FromSeconds(20));
            Assert.False(s.TimedOut, $"the command substitution waited for the container: {s}");
            Assert.True(s.ExitCode == 0, s.ToString());
            Assert.Equal($"id={id}", s.Stdout.Trim());
            Assert.Equal("running", f.Sandbox.Status(id));
            var deadline = DateTime.UtcNow.AddSeconds(10);
            ProcResult logs;
            while (!(logs = f.Rl(["logs", id])).Stdout.Contains("from-the-container") && DateTime.UtcNow < deadline) Thread.Sleep(50);
            Assert.True(logs.ExitCode == 0 && logs.Stdout.Contains("from-the-container"), logs.ToString());
            // Its unit restarts on failure, as podman's generate writes for a container without a policy
            // (the daemon's "no" is not a choice the user made).
            var unit = f.Rl(["generate", "systemd", id]);
            Assert.True(unit.ExitCode == 0, unit.ToString());
            Assert.Contains("\nRestart=on-failure\n", unit.Stdout);
            Assert.Contains($"--root {f.Sandbox.StateRoot} stop -t 10 {id}", unit.Stdout); // takes it over from the daemon
        }
        finally
        {
            var d = f.Rl(["delete", "--force", id]);
            Assert.True(d.ExitCode == 0, d.ToString());
            Assert.False(Directory.Exists(f.Sandbox.StateDir(id)), $"state of {id} left behind");
            Assert.False(Directory.Exists(Path.Join(f.Storage, "containers", id)), $"the store's directory of {id} left behind");
        }
    }
}
