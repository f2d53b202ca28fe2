using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Rlrun.FaultTests;

/// <summary>Disk full (issue 18, item 3). In a user and mount namespace of its own (unshare -Urm, as
/// the unprivileged user) the test mounts two small tmpfs: the state root (256 KiB) and the log
/// directory (XDG_STATE_HOME, 96 KiB). A daemon there supervises a container that floods its
/// output: the log fills, the daemon warns once, and the container keeps running. Then the state
/// root is filled: a create fails with one line and leaves no directory; the running container's
/// state.json still reads whole. Once space is freed, the next create works.</summary>
public sealed class DiskFullTests(ITestOutputHelper output) : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    const string Script = """
        set -u
        D=$1 B=$2 RL=$3
        mount -t tmpfs -o size=256k,mode=0700 tmpfs "$D/state" || { echo NOMOUNT; exit 1; }
        mount -t tmpfs -o size=96k,mode=0700 tmpfs "$D/logs" || { echo NOMOUNT; exit 1; }
        export XDG_STATE_HOME="$D/logs" XDG_RUNTIME_DIR="$D/state" HOME="$D"
        R="$RL --root $D/state/rlrun --cgroup-manager disabled"
        $R daemon >"$D/daemon.out" 2>&1 &
        dpid=$!
        i=0; until $R daemon --ping >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 200 ] || { echo NODAEMON; cat "$D/daemon.out"; exit 1; }; sleep 0.05; done
        $R run -d --restart=always --bundle "$B" loud >/dev/null || echo "RUNFAILED"
        sleep 3
        echo "loud-after-logs-full=$($R state loud | grep -o '"status": *"[a-z]*"' | tr -d ' "')"
        echo "log-warnings=$(grep -c 'log:' "$D/daemon.out")"
        echo "logs-used=$(du -sk "$D/logs" | cut -f1)"
        head -c 4000000 /dev/zero >"$D/state/filler" 2>/dev/null
        out=$($R create --bundle "$B" quiet 2>&1); echo "create-when-full=$? lines=$(printf '%s\n' "$out" | wc -l)"
        echo "create-when-full-error=$out"
        [ -e "$D/state/rlrun/quiet" ] && echo "QUIET-DIR-LEFT"
        echo "loud-when-full=$($R state loud | grep -o '"status": *"[a-z]*"' | tr -d ' "')"
        ls -a "$D/state/rlrun/loud" | grep -q tmp && echo "TMP-LEFT"
        rm -f "$D/state/filler"
        $R create --bundle "$B" quiet >/dev/null 2>&1; echo "create-when-freed=$?"
        echo "quiet-when-freed=$($R state quiet | grep -o '"status": *"[a-z]*"' | tr -d ' "')"
        $R delete --force quiet; $R delete --force loud
        kill $dpid; wait $dpid
        echo DONE
        """;

    [UserFact]
    public void Full_state_and_log_tmpfs_stop_logs_with_one_warning_and_never_leave_half_a_state()
    {
        string dir = Path.Join(_s.Dir, "full");
        foreach (string d in new[] { dir, Path.Join(dir, "state"), Path.Join(dir, "logs") }) Directory.CreateDirectory(d);
        Host.ChownToUser(dir);
        // The container runs in the namespace unshare made (no user namespace of its own) and floods its output.
        var b = _s.NewBundle(["sh", "-c", "while :; do echo 0123456789012345678901234567890123456789012345678901234567890123456789; done"], c =>
        {
            var ns = c["linux"]!["namespaces"]!.AsArray();
            foreach (var n in ns.Where(n => n!["type"]!.GetValue<string>() is "user" or "cgroup").ToList()) ns.Remove(n);
            c["linux"]!.AsObject().Remove("uidMappings");
            c["linux"]!.AsObject().Remove("gidMappings");
            var mounts = c["mounts"]!.AsArray();
            foreach (var m in mounts.Where(m => m!["type"]?.GetValue<string>() == "cgroup").ToList()) mounts.Remove(m);
            // A new /proc is refused in a nested user namespace while mounts cover parts of this one.
            foreach (var key in new[] { "maskedPaths", "readonlyPaths" })
                c["linux"]![key] = new JsonArray(c["linux"]![key]!.AsArray().Select(p => p!.GetValue<string>()).Where(p => !p.StartsWith("/proc"))
                    .Select(p => (JsonNode)JsonValue.Create(p)!).ToArray());
        });
        var r = Proc.Run(Host.AsUser("unshare", ["-Urm", "--propagation", "private", "/bin/sh", "-c", Script, "sh", dir, b.Path, Host.Binary], Host.ShellEnv),
            timeout: TimeSpan.FromSeconds(90));
        output.WriteLine(r.ToString());
        Assert.False(r.TimedOut, r.ToString());
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.DoesNotContain("NOMOUNT", lines);
        Assert.Contains("DONE", lines);
        Assert.Contains("loud-after-logs-full=status:running", lines);
        Assert.Contains("log-warnings=1", lines);
        Assert.Contains("loud-when-full=status:running", lines);
        Assert.Contains(lines, l => l.StartsWith("create-when-full=") && !l.StartsWith("create-when-full=0") && l.EndsWith("lines=1"));
        Assert.Contains(lines, l => l.StartsWith("create-when-full-error=rlrun: "));
        Assert.DoesNotContain("QUIET-DIR-LEFT", lines);
        Assert.DoesNotContain("TMP-LEFT", lines);
        Assert.Contains("create-when-freed=0", lines);
        Assert.Contains("quiet-when-freed=status:created", lines);
    }
}
