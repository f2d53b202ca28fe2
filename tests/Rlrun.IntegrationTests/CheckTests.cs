using System.Text.Json;
using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>`rlrun check`: the host's rootless prerequisites, as the user rlrun runs as. The test
/// machine can run containers (the other tests do), so check must say so.</summary>
public sealed class CheckTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    static readonly string[] Statuses = ["ok", "warn", "fail"];

    ProcResult Check(params string[] extra)
    {
        var r = _s.Rl(["check", .. extra], timeout: TimeSpan.FromSeconds(30));
        Assert.False(r.TimedOut, r.ToString());
        return r;
    }

    /// <summary>`check --format json`, which must exit 0, parsed.</summary>
    JsonObject Json()
    {
        var r = Check("--format", "json");
        Assert.True(r.ExitCode == 0, $"check --format json: a container can run here, exit 0 expected: {r}");
        try { return JsonNode.Parse(r.Stdout)!.AsObject(); }
        catch (JsonException e) { throw new Xunit.Sdk.XunitException($"check --format json printed no JSON object ({e.Message}): {r}"); }
    }

    static JsonObject Named(JsonObject report, string name) =>
        report["checks"]!.AsArray().Select(c => c!.AsObject()).SingleOrDefault(c => c["name"]!.GetValue<string>() == name)
        ?? throw new Xunit.Sdk.XunitException($"no check named \"{name}\" in {report.ToJsonString()}");

    [Fact]
    public void The_table_exits_0_here()
    {
        var r = Check();
        Assert.True(r.ExitCode == 0, $"a container can run here, exit 0 expected: {r}");
        Assert.DoesNotContain("\nfail ", "\n" + r.Stdout);
    }

    [Fact]
    public void Json_says_a_container_can_run_and_every_check_has_its_four_fields()
    {
        var report = Json();
        Assert.True(report["canRun"]!.GetValue<bool>(), report.ToJsonString());
        var checks = report["checks"]!.AsArray();
        Assert.True(checks.Count >= 10, report.ToJsonString());
        foreach (var c in checks.Select(c => c!.AsObject()))
        {
            Assert.Equal(["name", "status", "detail", "fix"], c.Select(kv => kv.Key));
            string status = c["status"]!.GetValue<string>();
            Assert.Contains(status, Statuses);
            Assert.False(string.IsNullOrWhiteSpace(c["detail"]!.GetValue<string>()), c.ToJsonString());
            // A fix exactly where something is not ok.
            if (status == "ok") Assert.Null(c["fix"]);
            else Assert.False(string.IsNullOrWhiteSpace(c["fix"]?.GetValue<string>()), c.ToJsonString());
        }
        Assert.Equal(checks.Count, checks.Select(c => c!["name"]!.GetValue<string>()).Distinct().Count());
        Assert.DoesNotContain(checks, c => c!["status"]!.GetValue<string>() == "fail");
    }

    [Fact]
    public void Newuidmap_and_newgidmap_are_ok()
    {
        var report = Json();
        foreach (var name in new[] { "newuidmap", "newgidmap" })
        {
            var c = Named(report, name);
            Assert.True(c["status"]!.GetValue<string>() == "ok", c.ToJsonString());
        }
    }

    [SubIdFact]
    public void The_test_users_subordinate_ranges_are_ok_and_shown()
    {
        var report = Json();
        var (uidStart, uidCount) = Host.SubUid!.Value;
        var (gidStart, gidCount) = Host.SubGid!.Value;
        var subuid = Named(report, "subuid");
        var subgid = Named(report, "subgid");
        Assert.True(subuid["status"]!.GetValue<string>() == "ok", subuid.ToJsonString());
        Assert.True(subgid["status"]!.GetValue<string>() == "ok", subgid.ToJsonString());
        Assert.Contains($"{uidStart}:{uidCount}", subuid["detail"]!.GetValue<string>());
        Assert.Contains($"{gidStart}:{gidCount}", subgid["detail"]!.GetValue<string>());
    }

    [UserFact]
    public void User_namespaces_and_the_overlay_probe_work_for_the_test_user()
    {
        var report = Json();
        Assert.Equal("ok", Named(report, "userns")["status"]!.GetValue<string>());
        // The probe runs unshare(1); the machine has it, and kernel overlayfs works in a user namespace here.
        var overlay = Named(report, "overlay");
        Assert.True(overlay["status"]!.GetValue<string>() == "ok", overlay.ToJsonString());
    }

    [Fact]
    public void The_table_has_one_line_per_check_and_its_fixes_indented_under_it()
    {
        var report = Json();
        var checks = report["checks"]!.AsArray().Select(c => c!.AsObject()).ToList();
        var r = Check();
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.TrimEnd('\n').Split('\n');
        var checkLines = lines.Where(l => !l.StartsWith(' ')).ToList();
        Assert.Equal(checks.Count, checkLines.Count);
        for (int i = 0; i < checks.Count; i++)
        {
            var fields = checkLines[i].Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(checks[i]["status"]!.GetValue<string>(), fields[0]);
            Assert.Equal(checks[i]["name"]!.GetValue<string>(), checkLines[i][6..].Split(' ')[0]);
        }
        // The detail column starts at the same place on every line; fix lines start there too.
        int detailColumn = 6 + checks.Max(c => c["name"]!.GetValue<string>().Length) + 2;
        foreach (var l in checkLines) Assert.True(l.Length > detailColumn && l[detailColumn - 1] == ' ' && l[detailColumn] != ' ', $"misaligned: \"{l}\"");
        var fixLines = lines.Where(l => l.StartsWith(' ')).ToList();
        Assert.Equal(checks.Sum(c => c["fix"]?.GetValue<string>().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length ?? 0), fixLines.Count);
        foreach (var l in fixLines) Assert.True(l[..detailColumn].Trim().Length == 0 && l[detailColumn] != ' ', $"misindented fix: \"{l}\"");
    }

    [Fact]
    public void An_unknown_format_is_a_usage_error()
    {
        var r = Check("--format", "yaml");
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Contains("--format", r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [UserFact]
    public void Supervision_warns_without_an_enabled_rlrun_socket_and_finds_one_enabled_in_the_config_directory()
    {
        // Empty configuration and data homes: the rlrun.socket found, if any, is the system's.
        string config = Path.Join(_s.Dir, "config"), data = Path.Join(_s.Dir, "data");
        Directory.CreateDirectory(config);
        Directory.CreateDirectory(data);
        Host.ChownToUser(config);
        Host.ChownToUser(data);
        JsonObject Supervision()
        {
            var r = Proc.Run(Host.AsUser(Host.Binary, ["check", "--format", "json"], [.. Host.ShellEnv, new("XDG_CONFIG_HOME", config), new("XDG_DATA_HOME", data)]),
                timeout: TimeSpan.FromSeconds(30));
            Assert.True(r.ExitCode == 0, r.ToString());
            return Named(JsonNode.Parse(r.Stdout)!.AsObject(), "supervision");
        }
        bool systemWide = new[] { "/etc", "/usr/local/lib", "/usr/lib", "/usr/local/share", "/usr/share" }
            .Any(d => File.Exists(Path.Join(d, "systemd/user/rlrun.socket")));
        bool lingering = Host.UserName is { } n && File.Exists(Path.Join("/var/lib/systemd/linger", n));

        var before = Supervision();
        if (!systemWide)
        {
            Assert.Equal("warn", before["status"]!.GetValue<string>());
            Assert.Contains("no rlrun.socket in a systemd user unit directory", before["detail"]!.GetValue<string>());
            Assert.Contains("systemctl --user enable --now rlrun.socket", before["fix"]!.GetValue<string>());
        }

        // What `make install PREFIX=~/.local` and `systemctl --user enable rlrun.socket` leave behind.
        string unit = Path.Join(data, "systemd", "user", "rlrun.socket");
        Directory.CreateDirectory(Path.GetDirectoryName(unit)!);
        File.Copy(Path.Join(Host.RepoRoot, "packaging", "systemd", "user", "rlrun.socket"), unit);
        Directory.CreateDirectory(Path.Join(config, "systemd", "user", "sockets.target.wants"));
        File.CreateSymbolicLink(Path.Join(config, "systemd", "user", "sockets.target.wants", "rlrun.socket"), unit);
        Host.ChownToUser(config);
        Host.ChownToUser(data);

        var after = Supervision();
        string detail = after["detail"]!.GetValue<string>();
        Assert.DoesNotContain("rlrun.socket is not enabled", detail);
        Assert.DoesNotContain("no rlrun.socket", detail);
        // Without systemd as PID 1 (this test machine) there is no lingering to have: cron is said.
        if (!Directory.Exists("/run/systemd/system")) Assert.Contains("systemd is not PID 1", detail);
        else if (lingering) Assert.Equal("ok", after["status"]!.GetValue<string>());
        else Assert.Contains("lingering is off", detail);
    }
}
