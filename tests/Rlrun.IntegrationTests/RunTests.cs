using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>`rlrun run` in the foreground, as the unprivileged user: PID 1, hostname, the ID
/// mapping, chown to subordinate IDs, stdin.</summary>
public sealed class RunTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    ProcResult Run(Bundle b, string tag, string? stdin = null)
    {
        var r = _s.Rl(["run", "--bundle", b.Path, _s.NewId(tag)], stdin);
        Assert.False(r.TimedOut, r.ToString());
        return r;
    }

    [UserFact]
    public void Process_is_pid_1_of_its_own_pid_namespace()
    {
        var r = Run(_s.NewBundle(["sh", "-c", "echo $$"]), "pid1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("1", r.Stdout.Trim());
    }

    [UserFact]
    public void Hostname_from_config_is_set()
    {
        var b = _s.NewBundle(["hostname"], c => c["hostname"] = "it-host-42");
        var r = Run(b, "host");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("it-host-42", r.Stdout.Trim());
    }

    static List<(long Inside, long Outside, long Count)> ParseMap(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray())
            .Select(f => (f[0], f[1], f[2])).ToList();

    [SubIdFact]
    public void Uid_and_gid_maps_are_the_user_and_its_subordinate_range()
    {
        var r = Run(_s.NewBundle(["sh", "-c", "cat /proc/self/uid_map; echo ---; cat /proc/self/gid_map"]), "maps");
        Assert.True(r.ExitCode == 0, r.ToString());
        var parts = r.Stdout.Split("---");
        var (su, sg) = (Host.SubUid!.Value, Host.SubGid!.Value);
        Assert.Equal([(0L, (long)Host.Uid, 1L), (1L, (long)su.Start, (long)su.Count)], ParseMap(parts[0]));
        Assert.Equal([(0L, (long)Host.Gid, 1L), (1L, (long)sg.Start, (long)sg.Count)], ParseMap(parts[1]));
    }

    [SubIdFact]
    public void Chown_to_a_container_id_lands_on_the_subordinate_id()
    {
        // chown needs CAP_CHOWN, which `spec`'s default capability set (runc's three) does not have.
        var b = _s.NewBundle(["sh", "-c", "touch /tmp/f && chown 1000:1000 /tmp/f && stat -c %u:%g /tmp/f"], c =>
        {
            foreach (var set in new[] { "bounding", "effective", "permitted" })
                c["process"]!["capabilities"]![set]!.AsArray().Add("CAP_CHOWN");
        }, readonlyRoot: false);
        var r = Run(b, "chown");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("1000:1000", r.Stdout.Trim());

        var host = Proc.Run("stat", ["-c", "%u:%g", Path.Join(b.Rootfs, "tmp", "f")]).EnsureSuccess("stat on the host");
        Assert.Equal($"{Host.SubUid!.Value.Start + 999}:{Host.SubGid!.Value.Start + 999}", host.Stdout.Trim());
    }

    [UserFact]
    public void Stdin_passes_through()
    {
        var r = Run(_s.NewBundle(["cat"]), "stdin", stdin: "hello");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("hello", r.Stdout);
    }
}
