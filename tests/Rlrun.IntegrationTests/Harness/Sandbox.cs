using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace Rlrun.IntegrationTests.Harness;

/// <summary>A bundle: its directory, rootfs and config.json (owned by the user rlrun runs as).</summary>
public sealed record Bundle(string Path, string Rootfs)
{
    public string ConfigPath => System.IO.Path.Join(Path, "config.json");

    public JsonObject ReadConfig() => JsonNode.Parse(File.ReadAllText(ConfigPath))!.AsObject();

    // Truncating an existing file keeps its owner, so the test user keeps owning config.json.
    public void WriteConfig(JsonObject config) =>
        File.WriteAllText(ConfigPath, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    public void EditConfig(Action<JsonObject> edit)
    {
        var c = ReadConfig();
        edit(c);
        WriteConfig(c);
    }
}

/// <summary>One test's world: a temp dir owned by the test user, a private --root for rlrun's state,
/// unique container IDs, and a cleanup that deletes (--force) every container the test made and
/// removes the directories, whether the test passed or not.</summary>
public sealed class Sandbox : IDisposable
{
    readonly List<(string Id, string? Root)> _ids = [];
    readonly List<RunningProc> _procs = [];
    int _bundles;

    /// <summary>rlrun runs as root (the root-only tests), not as the test user.</summary>
    public bool AsRoot { get; }

    public string Dir { get; }
    public string StateRoot { get; }

    public Sandbox(bool asRoot = false)
    {
        if (asRoot && !Host.IsRoot) throw new InvalidOperationException("Sandbox(asRoot) needs the tests to run as root");
        AsRoot = asRoot;
        string tag = Guid.NewGuid().ToString("N")[..12];
        Dir = Path.Join(Host.RunDir, $"t-{tag}");
        Directory.CreateDirectory(Dir);
        File.SetUnixFileMode(Dir, (UnixFileMode)0x1ed);
        if (!asRoot) Host.ChownToUser(Dir);
        StateRoot = asRoot ? Path.Join(Dir, "state") : Path.Join(Host.RuntimeDir, "rlrun-it", tag);
    }

    /// <summary>A unique container ID, deleted (--force) at the end of the test.</summary>
    public string NewId(string tag, bool defaultRoot = false)
    {
        string id = $"it-{tag}-{Guid.NewGuid().ToString("N")[..10]}";
        _ids.Add((id, defaultRoot ? null : StateRoot));
        return id;
    }

    public string StateDir(string id) => Path.Join(StateRoot, id);

    /// <summary>A bundle with a copy of the template rootfs and config.json from `rlrun spec [--rootless]`,
    /// with process.terminal=false, the given args, root.readonly as asked, and EDIT applied.</summary>
    public Bundle NewBundle(string[] args, Action<JsonObject>? edit = null, bool readonlyRoot = true)
    {
        string dir = Path.Join(Dir, $"bundle{++_bundles}");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0x1ed);
        var bundle = new Bundle(dir, Path.Join(dir, "rootfs"));
        if (AsRoot)
        {
            Proc.Run("/bin/cp", ["-a", Host.TemplateRootfs, bundle.Rootfs]).EnsureSuccess("cp -a rootfs");
            Proc.Run(new ProcSpec(Host.Binary, ["spec", "--bundle", dir])).EnsureSuccess("rlrun spec");
        }
        else
        {
            Host.ChownToUser(dir);
            Proc.Run(Host.AsUser("/bin/cp", ["-a", Host.TemplateRootfs, bundle.Rootfs])).EnsureSuccess("cp -a rootfs");
            Proc.Run(Host.AsUser(Host.Binary, ["spec", "--rootless", "--bundle", dir], Host.ShellEnv)).EnsureSuccess("rlrun spec --rootless");
        }
        bundle.EditConfig(c =>
        {
            c["process"]!["terminal"] = false;
            c["process"]!["args"] = new JsonArray(args.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray());
            c["root"]!["readonly"] = readonlyRoot;
            c["process"]!["env"]!.AsArray().Add(Host.EnvMarker);
            edit?.Invoke(c);
        });
        return bundle;
    }

    /// <summary>The command line of `rlrun --root STATEROOT ARGS` as the user rlrun runs as
    /// (without --root when defaultRoot; with only XDG_RUNTIME_DIR in the environment when minimalEnv).</summary>
    public ProcSpec RlSpec(IEnumerable<string> args, bool minimalEnv = false, bool defaultRoot = false)
    {
        var argv = (defaultRoot ? [] : new List<string> { "--root", StateRoot }).Concat(args).ToList();
        if (AsRoot)
            return new ProcSpec(Host.Binary, argv, [.. Host.ShellEnv, new("XDG_RUNTIME_DIR", Path.Join(Dir, "xdg"))], ClearEnv: true);
        return Host.AsUser(Host.Binary, argv, minimalEnv ? null : Host.ShellEnv, minimalEnv);
    }

    public ProcResult Rl(params string[] args) => Rl(args, stdin: null);

    public ProcResult Rl(IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null, string? cwd = null,
        bool minimalEnv = false, bool defaultRoot = false) =>
        Proc.Run(RlSpec(args, minimalEnv, defaultRoot), stdin, timeout, cwd);

    /// <summary>Starts rlrun without waiting (a foreground `run` to signal); killed at the end of the test.</summary>
    public RunningProc StartRl(IEnumerable<string> args, string? stdin = null)
    {
        var p = Proc.Start(RlSpec(args), stdin);
        _procs.Add(p);
        return p;
    }

    /// <summary>`rlrun state ID`, which must succeed, parsed.</summary>
    public JsonObject State(string id, bool minimalEnv = false, bool defaultRoot = false)
    {
        var r = Rl(["state", id], minimalEnv: minimalEnv, defaultRoot: defaultRoot);
        Assert.True(r.ExitCode == 0, $"state {id} failed: {r}");
        try { return JsonNode.Parse(r.Stdout)!.AsObject(); }
        catch (JsonException e) { throw new Xunit.Sdk.XunitException($"state {id} printed no JSON object ({e.Message}): {r}"); }
    }

    /// <summary>The status `state` reports, or null when `state` fails.</summary>
    public string? Status(string id)
    {
        var r = Rl("state", id);
        if (r.ExitCode != 0) return null;
        try { return JsonNode.Parse(r.Stdout)?["status"]?.GetValue<string>(); }
        catch (JsonException) { return null; }
    }

    /// <summary>Polls `state` until the status is WANTED; fails the test after TIMEOUT.</summary>
    public void WaitForStatus(string id, string wanted, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = Status(id);
            if (last == wanted) return;
            Thread.Sleep(25);
        }
        Assert.Fail($"container {id}: status \"{wanted}\" expected within {(timeout ?? TimeSpan.FromSeconds(10)).TotalSeconds}s, last seen \"{last ?? "(state failed)"}\"");
    }

    /// <summary>`run -d` of a container that keeps running (a TERM-trapping loop), waited until running.</summary>
    public (string Id, int Pid, Bundle Bundle) RunDetached(string tag, string script = Scripts.TrapLoop)
    {
        var bundle = NewBundle(["/bin/busybox", "sh", "-c", script]);
        string id = NewId(tag);
        var r = Rl("run", "-d", "--bundle", bundle.Path, id);
        Assert.True(r.ExitCode == 0, $"run -d failed: {r}");
        WaitForStatus(id, "running");
        int pid = State(id)["pid"]!.GetValue<int>();
        return (id, pid, bundle);
    }

    public void Dispose()
    {
        foreach (var p in _procs) p.Dispose();
        foreach (var (id, root) in _ids)
        {
            try { Proc.Run(RlSpec(["delete", "--force", id], defaultRoot: root is null), timeout: TimeSpan.FromSeconds(20)); }
            catch (Exception) { }
        }
        TryDelete(StateRoot);
        TryDelete(Dir);
    }

    static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (Exception) { } // as non-root, files chowned to subordinate IDs cannot be removed
    }
}

/// <summary>Container commands the tests share.</summary>
public static class Scripts
{
    /// <summary>Runs until SIGTERM (PID 1 of a PID namespace ignores signals it has no handler for).</summary>
    public const string TrapLoop = "trap 'exit 0' TERM; while :; do sleep 0.1; done";
}
