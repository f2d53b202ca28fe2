using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.FaultTests;

/// <summary>The fault lane's one check that rlrun's state agrees with the processes (issue 18),
/// shared by the concurrent clients, the CLI's crash points and the daemon's: a container is whole
/// (`state` answers; created or running has a live init, the only container of its ID, and its
/// cgroup) or gone (`state` says it does not exist, and nothing of it runs); after a delete nothing
/// of it is left: no directory, claim file, supervision record, cgroup, mount or process.
/// Processes are found by a TAG in their environment (each test's bundles add their own).</summary>
public sealed class ContainerConsistency(Sandbox sandbox, Func<string[], ProcResult>? rl = null)
{
    readonly Func<string[], ProcResult> _rl = rl ?? (args => sandbox.Rl(args));

    /// <summary>Processes of container ID: its process (TAG in its environment), an init that
    /// still holds the ID's exec fifo (a created one, before it execs), or its network helper and
    /// the helper's watcher (their command lines name the ID's state directory).</summary>
    public static List<int> ProcessesOf(string id, string tag, bool helpers = true)
    {
        var found = new List<int>();
        string fifo = $"/{id}/exec.fifo", stateDir = $"/{id}/";
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || Host.ProcessGone(pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Join(dir, "environ")).Contains(tag)) { found.Add(pid); continue; }
                if (helpers && File.ReadAllText(Path.Join(dir, "cmdline")).Contains(stateDir)) { found.Add(pid); continue; }
                foreach (string fd in Directory.EnumerateFileSystemEntries(Path.Join(dir, "fd")))
                    if (new FileInfo(fd).LinkTarget is { } t && t.Contains(fifo)) { found.Add(pid); break; }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return found;
    }

    /// <summary>Live processes whose command line names ID: a network helper, a fuse-overlayfs, a
    /// stage of rlrun left behind (the IDs are unique to their test).</summary>
    public static List<int> ProcessesNaming(string id)
    {
        var found = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId) continue;
            try
            {
                if (File.ReadAllText(Path.Join(dir, "cmdline")).Contains(id) && !Host.ProcessGone(pid)) found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return found;
    }

    public static void WaitNone(string id, string tag, string when)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        List<int> left;
        while ((left = ProcessesOf(id, tag)).Count > 0 && DateTime.UtcNow < deadline) Thread.Sleep(25);
        Assert.True(left.Count == 0, $"{id} {when}: processes left: {string.Join(' ', left)}");
    }

    /// <summary>The cgroups rlrun noted for ID: state.json's, or a dead create's creating.json.</summary>
    public List<string> CgroupsOf(string id)
    {
        var paths = new List<string>();
        foreach (string f in new[] { "state.json", "creating.json" })
        {
            try
            {
                if (JsonNode.Parse(File.ReadAllText(Path.Join(sandbox.StateDir(id), f)))?["cgroup"]?["path"]?.GetValue<string>() is { } p) paths.Add(p);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException) { }
        }
        return paths;
    }

    /// <summary>The network helper state.json records, if any.</summary>
    public int? HelperOf(string id)
    {
        try { return JsonNode.Parse(File.ReadAllText(Path.Join(sandbox.StateDir(id), "state.json")))?["network"]?["helperPid"]?.GetValue<int>(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException) { return null; }
    }

    /// <summary>Whole or gone; returns what `state` said (null: gone).</summary>
    public JsonNode? AssertWholeOrGone(string id, string tag, string when)
    {
        var state = _rl(["state", id]);
        if (state.ExitCode != 0)
        {
            Assert.True(state.Stderr.Contains("does not exist"), $"{id} {when}: state failed otherwise: {state}");
            Assert.False(File.Exists(Path.Join(sandbox.StateDir(id), "state.json")), $"{id} {when}: state failed but state.json is there: {state}");
            WaitNone(id, tag, when);
            return null;
        }
        var json = JsonNode.Parse(state.Stdout)!;
        string status = json["status"]!.GetValue<string>();
        int pid = json["pid"]!.GetValue<int>();
        if (status is "created" or "running")
        {
            Assert.False(Host.ProcessGone(pid), $"{id} {when}: {status} but its init {pid} is gone");
            // Every process of the ID is in the init's PID namespace: no second container of this ID
            // (its network helper runs outside, in the caller's PID namespace).
            string? ns = Host.PidNamespaceOf(pid);
            Assert.All(ProcessesOf(id, tag, helpers: false), p => Assert.True(ns == (Host.PidNamespaceOf(p) ?? ns), $"{id} {when}: process {p} is not in the PID namespace of its init {pid}: two containers"));
            Assert.All(CgroupsOf(id), cg => Assert.True(Directory.Exists(cg), $"{id} {when}: {status} but its cgroup {cg} is gone"));
            if (HelperOf(id) is int helper and > 0)
                Assert.False(Host.ProcessGone(helper), $"{id} {when}: {status} but its network helper {helper} is gone");
        }
        else
        {
            Assert.True(status is "stopped" or "paused", $"{id} {when}: status {status}");
            if (status == "stopped") WaitNone(id, tag, when);
        }
        return json;
    }

    /// <summary>After a delete: nothing of ID left anywhere.</summary>
    public void AssertNothingLeft(string id, string tag, IEnumerable<string> cgroups, string when)
    {
        WaitNone(id, tag, when);
        string root = sandbox.StateRoot;
        Assert.False(Directory.Exists(sandbox.StateDir(id)), $"{id} {when}: its state directory is left");
        Assert.False(File.Exists(Path.Join(root, $".{id}.claim")), $"{id} {when}: its claim file is left");
        string supervised = Path.Join(root, ".supervised");
        if (Directory.Exists(supervised))
            Assert.True(!Directory.EnumerateFileSystemEntries(supervised, id + ".*").Any(), $"{id} {when}: its supervision record or output FIFOs are left");
        Assert.All(cgroups, cg => Assert.False(Directory.Exists(cg), $"{id} {when}: its cgroup {cg} is left"));
        Assert.False(File.ReadAllText("/proc/self/mountinfo").Contains(id), $"{id} {when}: a mount naming it is left");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        List<int> naming;
        while ((naming = ProcessesNaming(id)).Count > 0 && DateTime.UtcNow < deadline) Thread.Sleep(25);
        Assert.True(naming.Count == 0, $"{id} {when}: processes naming it are left: {string.Join(' ', naming)}");
    }
}
