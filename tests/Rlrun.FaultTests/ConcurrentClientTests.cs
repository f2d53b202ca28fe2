using System.Diagnostics;
using Rlrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Rlrun.FaultTests;

/// <summary>50 CLI clients at once (issue 18, item 4), on one ID and on 50 IDs: whatever order the
/// kernel picks, a container is either fully there (state.json and a live init) or fully gone, at
/// most one init ever runs for an ID, and after `delete --force` no process, directory or claim
/// file is left. Rounds: 3 on one ID and 1 on 50 IDs here, RLRUN_SOAK_ROUNDS of each under
/// `make soak`.</summary>
public sealed class ConcurrentClientTests(ITestOutputHelper output) : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    static int Rounds(int short_) => int.TryParse(Environment.GetEnvironmentVariable("RLRUN_SOAK_ROUNDS"), out int n) && n > 0 ? n : short_;

    ContainerConsistency Check => new(_s);

    [UserFact]
    public void Fifty_clients_on_one_id_leave_it_whole_or_gone()
    {
        string tag = $"FAULTS_TAG={Guid.NewGuid():N}";
        var b = _s.NewBundle(["sh", "-c", Scripts.TrapLoop], c => c["process"]!["env"]!.AsArray().Add(tag));
        string id = _s.NewId("same");
        string[][] verbs = [["create", "--bundle", b.Path, id], ["start", id], ["kill", id, "KILL"], ["delete", "--force", id], ["state", id]];
        var watch = Stopwatch.StartNew();
        int rounds = Rounds(3);
        for (int round = 0; round < rounds; round++)
        {
            var clients = Enumerable.Range(0, 50).Select(i => Proc.Start(_s.RlSpec(verbs[i % verbs.Length]))).ToList();
            var results = clients.Select(c => c.Wait(TimeSpan.FromSeconds(120))).ToList();
            foreach (var c in clients) c.Dispose();
            Assert.All(results, r => Assert.False(r.TimedOut, $"a client hung: {r}"));
            // Each failure is a refusal with a reason, never a crash.
            Assert.All(results.Where(r => r.ExitCode != 0), r => Assert.StartsWith("rlrun: ", r.Stderr.Trim()));
            Check.AssertWholeOrGone(id, tag, $"after round {round}");
            var cgroups = Check.CgroupsOf(id);
            var del = _s.Rl("delete", "--force", id);
            Assert.True(del.ExitCode == 0, del.ToString());
            Check.AssertNothingLeft(id, tag, cgroups, $"after round {round} and delete --force");
        }
        output.WriteLine($"{rounds} rounds of 50 clients on one ID in {watch.Elapsed.TotalSeconds:0.0} s");
    }

    [UserFact]
    public void Fifty_clients_on_fifty_ids_each_go_through_the_lifecycle()
    {
        string tag = $"FAULTS_TAG={Guid.NewGuid():N}";
        var b = _s.NewBundle(["sh", "-c", Scripts.TrapLoop], c => c["process"]!["env"]!.AsArray().Add(tag));
        var watch = Stopwatch.StartNew();
        int rounds = Rounds(1);
        for (int round = 0; round < rounds; round++)
        {
            var ids = Enumerable.Range(0, 50).Select(i => _s.NewId($"many{i}")).ToList();
            string root = _s.StateRoot;
            var clients = ids.Select(id => Proc.Start(Host.AsUser("/bin/sh", ["-c",
                "set -e; r=\"$0 --root $1\"; $r create --bundle \"$2\" \"$3\"; $r start \"$3\"; $r state \"$3\" >/dev/null; $r kill \"$3\" KILL; " +
                "i=0; until $r state \"$3\" | grep -q '\"stopped\"'; do i=$((i+1)); [ $i -lt 200 ] || exit 9; sleep 0.05; done; $r delete \"$3\"",
                Host.Binary, root, b.Path, id], Host.ShellEnv))).ToList();
            var results = clients.Select(c => c.Wait(TimeSpan.FromSeconds(180))).ToList();
            foreach (var c in clients) c.Dispose();
            Assert.All(results, r => Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString()));
            foreach (string id in ids) Check.AssertNothingLeft(id, tag, [], "after its delete");
        }
        output.WriteLine($"{rounds} rounds of 50 IDs through create, start, kill, delete in {watch.Elapsed.TotalSeconds:0.0} s");
    }
}
