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

    /// <summary>podman's `run -d --rm`: the container is removed once it exits. The daemon runs it, so
    /// the daemon deletes it: its state, its supervision record and log, and its writable layer, here
    /// with a directory copied up that belongs to a subordinate ID (which only rlrun's unpack helper,
    /// in a user namespace, may empty). Before, the stopped container stayed.</summary>
    [SubIdFact]
    public void Run_d_rm_of_an_image_is_removed_with_its_writable_layer_once_it_exits()
    {
        Assert.True(f.Error is null, $"the test image could not be made: {f.Error}");
        string id = $"polish-rm-{Guid.NewGuid().ToString("N")[..8]}";
        string dir = Path.Join(f.Storage, "containers", id);
        try
        {
            var r = f.Rl(["run", "-d", "--rm", "--network", "none", "--image", ImageRunFixture.Image, id, "--",
                "sh", "-c", "echo into-the-layer > /home/app/new; echo bye; sleep 1; exit 3"]);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal(id, r.Stdout.Trim());
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((Directory.Exists(dir) || Directory.Exists(f.Sandbox.StateDir(id))) && DateTime.UtcNow < deadline) Thread.Sleep(100);
            Assert.False(Directory.Exists(f.Sandbox.StateDir(id)), $"state of {id} left after it exited");
            Assert.False(Directory.Exists(dir), $"the writable layer {dir} left after it exited");
            Assert.False(File.Exists(Path.Join(f.Sandbox.StateRoot, ".supervised", id + ".json")), "its supervision record left");
            Assert.False(File.Exists(Path.Join(f.Sandbox.Dir, "state-home", "rlrun", "logs", id + ".log")), "its log left");
            var list = f.Rl(["list", "-q"]);
            Assert.True(list.ExitCode == 0 && !list.Stdout.Split('\n').Contains(id), list.ToString());
            // As podman's: the container is unknown once removed, its logs too.
            var logs = f.Rl(["logs", id]);
            Assert.True(logs.ExitCode != 0 && logs.Stderr.StartsWith("rlrun: logs: "), logs.ToString());
        }
        finally
        {
            f.Rl(["delete", "--force", id]);
        }
    }
}
