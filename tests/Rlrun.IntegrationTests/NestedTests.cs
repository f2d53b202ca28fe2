using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>rlrun inside a container run by rlrun (a CI runner that is itself a container): the
/// outer container is the test user's (0 -> the user, 1.. -> its subordinate range); inside it,
/// as its root, the same rlrun binary runs an inner busybox bundle with its own user namespace.
/// The outer config is the one README.md's "rlrun inside a container" shows.</summary>
public sealed class NestedTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    /// <summary>Marks this test's processes, inner and outer, to find any left behind.</summary>
    readonly string _marker = $"RLRUN_NESTED_IT={Guid.NewGuid():N}";

    /// <summary>What the outer container needs beyond `spec --rootless`'s three capabilities.</summary>
    static readonly string[] NestingCapabilities = ["CAP_SETUID", "CAP_SETGID", "CAP_SETFCAP"];

    static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    static string Squeeze(string line) => string.Join(' ', line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries));

    /// <summary>The lines between "BEGIN" and "END" markers the scripts print (uid_map has several).</summary>
    static List<string> Section(string stdout, string name)
    {
        var lines = Lines(stdout).ToList();
        int from = lines.IndexOf($"{name}-BEGIN"), to = lines.IndexOf($"{name}-END");
        Assert.True(from >= 0 && to > from, $"no {name} section in:\n{stdout}");
        return lines.GetRange(from + 1, to - from - 1).Select(Squeeze).ToList();
    }

    /// <summary>The outer bundle: the template rootfs with rlrun (read-only) and the host's C
    /// library bound in (rlrun is a glibc binary), tmpfs /run and /tmp (the rootfs is read-only),
    /// and an inner bundle at /inner whose process prints SCRIPT's output.</summary>
    Bundle OuterBundle(string outerScript, string innerScript, bool forNesting = true, Action<JsonObject>? edit = null)
    {
        var outer = _s.NewBundle(["/bin/sh", "-c", outerScript], c =>
        {
            c["process"]!["env"]!.AsArray().Add(_marker);
            var caps = c["process"]!["capabilities"]!.AsObject();
            foreach (var set in new[] { "bounding", "effective", "permitted" })
                foreach (var cap in NestingCapabilities) caps[set]!.AsArray().Add(cap);
            var mounts = c["mounts"]!.AsArray();
            mounts.Add(Mount("/run", "tmpfs", "tmpfs", "nosuid", "nodev", "mode=755"));
            mounts.Add(Mount("/tmp", "tmpfs", "tmpfs", "nosuid", "nodev", "mode=1777"));
            mounts.Add(Mount("/usr/local/bin/rlrun", "bind", Host.Binary, "bind", "ro"));
            mounts.Add(Mount("/lib/x86_64-linux-gnu", "bind", "/lib/x86_64-linux-gnu", "rbind", "ro"));
            mounts.Add(Mount("/lib64", "bind", "/lib64", "rbind", "ro"));
            if (forNesting)
            {
                // A new /proc is refused in a nested user namespace while mounts cover parts of this one.
                foreach (var key in new[] { "maskedPaths", "readonlyPaths" })
                {
                    var kept = c["linux"]![key]!.AsArray().Select(p => p!.GetValue<string>()).Where(p => !p.StartsWith("/proc")).ToArray();
                    c["linux"]![key] = new JsonArray(kept.Select(p => (JsonNode)JsonValue.Create(p)!).ToArray());
                }
            }
            edit?.Invoke(c);
        });
        string inner = Path.Join(outer.Rootfs, "inner");
        Proc.Run(Host.AsUser("/bin/mkdir", [inner])).EnsureSuccess("mkdir inner");
        Proc.Run(Host.AsUser("/bin/cp", ["-a", Host.TemplateRootfs, Path.Join(inner, "rootfs")])).EnsureSuccess("cp -a inner rootfs");
        Proc.Run(Host.AsUser(Host.Binary, ["spec", "--rootless", "--bundle", inner], Host.ShellEnv)).EnsureSuccess("rlrun spec --rootless (inner)");
        var innerBundle = new Bundle(inner, Path.Join(inner, "rootfs"));
        innerBundle.EditConfig(c =>
        {
            c["process"]!["terminal"] = false;
            c["process"]!["args"] = new JsonArray("/bin/sh", "-c", innerScript);
            c["process"]!["env"]!.AsArray().Add(_marker);
        });
        return outer;
    }

    static JsonObject Mount(string destination, string type, string source, params string[] options) => new()
    {
        ["destination"] = destination, ["type"] = type, ["source"] = source,
        ["options"] = new JsonArray(options.Select(o => (JsonNode)JsonValue.Create(o)!).ToArray()),
    };

    ProcResult RunOuter(Bundle outer)
    {
        // The outer container's cgroup is not what this is about: none, whatever the host offers.
        var r = _s.Rl(["--cgroup-manager", "disabled", "run", "--bundle", outer.Path, _s.NewId("outer")], timeout: TimeSpan.FromSeconds(60));
        Assert.False(r.TimedOut, r.ToString());
        return r;
    }

    /// <summary>Nothing of this test runs any more, and the outer container is gone from rlrun's list.</summary>
    void AssertNothingLeft()
    {
        var left = Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(p => int.TryParse(p, out _))
            .Where(pid =>
            {
                try { return File.ReadAllText($"/proc/{pid}/environ").Split('\0').Contains(_marker) && !Host.ProcessGone(int.Parse(pid!)); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
            }).ToList();
        Assert.True(left.Count == 0, $"processes of the nested test still run: {string.Join(' ', left)}");
        var list = _s.Rl("list", "-q");
        Assert.True(list.ExitCode == 0 && list.Stdout.Trim() == "", list.ToString());
    }

    const string PrintNamespace = "echo MAP-BEGIN; cat /proc/self/uid_map; echo MAP-END; echo GID-BEGIN; cat /proc/self/gid_map; echo GID-END; echo NS-BEGIN; readlink /proc/self/ns/user; echo NS-END";

    [SubIdFact]
    public void Inner_run_gets_its_own_user_namespace_mapped_from_the_outer_containers_ids()
    {
        var outer = OuterBundle(
            $"{PrintNamespace}; cd /inner && rlrun run inner-c > /tmp/inner.out 2> /tmp/inner.err; echo INNER-RC=$?; " +
            "echo INNER-BEGIN; cat /tmp/inner.out; echo INNER-END; echo ERR-BEGIN; cat /tmp/inner.err; echo ERR-END",
            $"{PrintNamespace}; id -u");
        var r = RunOuter(outer);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("INNER-RC=0", Lines(r.Stdout));

        var (subUid, subGid) = (Host.SubUid!.Value, Host.SubGid!.Value);
        Assert.Equal([$"0 {Host.Uid} 1", $"1 {subUid.Start} {subUid.Count}"], Section(r.Stdout, "MAP"));
        Assert.Equal([$"0 {Host.Gid} 1", $"1 {subGid.Start} {subGid.Count}"], Section(r.Stdout, "GID"));

        var inner = Section(r.Stdout, "INNER");
        // Seen from inside, the map's second column is the outer container's IDs: each to itself.
        Assert.Equal([$"0 0 1", $"1 1 {subUid.Count}"], Section(string.Join('\n', inner), "MAP"));
        Assert.Equal([$"0 0 1", $"1 1 {subGid.Count}"], Section(string.Join('\n', inner), "GID"));
        Assert.NotEqual(Section(r.Stdout, "NS").Single(), Section(string.Join('\n', inner), "NS").Single());
        Assert.Equal("0", inner.Last());
        // No cgroup to use in there: one warning, no error.
        var errors = Section(r.Stdout, "ERR");
        Assert.True(errors.Count <= 1 && errors.All(l => l.StartsWith("rlrun: warning:")), string.Join('\n', errors));
        AssertNothingLeft();
    }

    /// <summary>runc's default masked and read-only paths (what `spec` writes) cover parts of the
    /// outer /proc: the inner run fails saying so, and `rlrun check` inside reports it.</summary>
    [SubIdFact]
    public void Masked_proc_paths_in_the_outer_config_fail_the_inner_run_and_check_names_them()
    {
        var outer = OuterBundle(
            "cd /inner && rlrun run inner-c 2> /tmp/inner.err; echo INNER-RC=$?; echo ERR-BEGIN; cat /tmp/inner.err; echo ERR-END; " +
            "rlrun check > /tmp/check.out; echo CHECK-RC=$?; echo CHECK-BEGIN; cat /tmp/check.out; echo CHECK-END; " +
            "echo LEFT-BEGIN; ls /run/rlrun 2>/dev/null; echo LEFT-END",
            "echo inner ran", forNesting: false);
        var r = RunOuter(outer);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("inner ran", r.Stdout);
        Assert.DoesNotContain("INNER-RC=0", Lines(r.Stdout));

        string error = string.Join('\n', Section(r.Stdout, "ERR"));
        Assert.Contains("mount proc", error);
        Assert.Contains("/proc/sys", error);
        Assert.Contains("maskedPaths", error);

        Assert.DoesNotContain("CHECK-RC=0", Lines(r.Stdout));
        var nested = Section(r.Stdout, "CHECK").FirstOrDefault(l => l.StartsWith("fail nested "));
        Assert.True(nested is not null, $"no failing nested check in:\n{r.Stdout}");
        Assert.Contains("/proc/sys", nested);
        // The failed inner create left no state in the outer container.
        Assert.Empty(Section(r.Stdout, "LEFT"));
        AssertNothingLeft();
    }

    /// <summary>Without CAP_SETFCAP in the outer container, its root cannot be mapped into a nested
    /// user namespace (Linux >= 5.12): the inner run says which capability is missing, and so does check.</summary>
    [SubIdFact]
    public void An_outer_container_without_CAP_SETFCAP_is_named_by_the_inner_run_and_check()
    {
        var outer = OuterBundle(
            "cd /inner && rlrun run inner-c 2> /tmp/inner.err; echo INNER-RC=$?; echo ERR-BEGIN; cat /tmp/inner.err; echo ERR-END; " +
            "rlrun check > /tmp/check.out; echo CHECK-BEGIN; cat /tmp/check.out; echo CHECK-END",
            "echo inner ran", edit: c =>
            {
                foreach (var set in new[] { "bounding", "effective", "permitted" })
                {
                    var kept = c["process"]!["capabilities"]![set]!.AsArray().Select(x => x!.GetValue<string>()).Where(x => x != "CAP_SETFCAP").ToArray();
                    c["process"]!["capabilities"]![set] = new JsonArray(kept.Select(x => (JsonNode)JsonValue.Create(x)!).ToArray());
                }
            });
        var r = RunOuter(outer);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("INNER-RC=0", Lines(r.Stdout));
        Assert.Contains("CAP_SETFCAP", string.Join('\n', Section(r.Stdout, "ERR")));
        var nested = Section(r.Stdout, "CHECK").FirstOrDefault(l => l.StartsWith("fail nested "));
        Assert.True(nested is not null && nested.Contains("CAP_SETFCAP"), $"no failing nested check naming CAP_SETFCAP in:\n{r.Stdout}");
        AssertNothingLeft();
    }

    /// <summary>An outer container that leaves no user namespaces to make: its seccomp profile
    /// refuses unshare with CLONE_NEWUSER (as container engines' default profiles do without
    /// CAP_SYS_ADMIN), or user.max_user_namespaces is 0 in its user namespace. The inner run fails
    /// naming the cause, and check, which tries unshare for real, fails naming it too.</summary>
    [SubIdTheory]
    [InlineData("seccomp", "seccomp")]
    [InlineData("max_user_namespaces", "user.max_user_namespaces is 0")]
    public void An_outer_container_without_user_namespaces_to_give_is_named_by_the_inner_run_and_check(string how, string named)
    {
        string prepare = how == "max_user_namespaces" ? "echo 0 > /proc/sys/user/max_user_namespaces || echo SYSCTL-FAILED; " : "";
        var outer = OuterBundle(
            prepare + "cd /inner && rlrun run inner-c 2> /tmp/inner.err; echo INNER-RC=$?; echo ERR-BEGIN; cat /tmp/inner.err; echo ERR-END; " +
            "rlrun check > /tmp/check.out; echo CHECK-BEGIN; cat /tmp/check.out; echo CHECK-END",
            "echo inner ran", edit: c =>
            {
                if (how == "seccomp")
                {
                    const long CloneNewuser = 0x10000000;
                    c["linux"]!["seccomp"] = JsonNode.Parse($$"""
                        {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
                         "syscalls": [{"names": ["unshare"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
                                       "args": [{"index": 0, "value": {{CloneNewuser}}, "valueTwo": {{CloneNewuser}}, "op": "SCMP_CMP_MASKED_EQ"}]}]}
                        """);
                }
                else
                {
                    // Writing a user.* sysctl of its own user namespace takes CAP_SYS_RESOURCE there.
                    foreach (var set in new[] { "bounding", "effective", "permitted" })
                        c["process"]!["capabilities"]![set]!.AsArray().Add("CAP_SYS_RESOURCE");
                }
            });
        var r = RunOuter(outer);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("SYSCTL-FAILED", r.Stdout);
        Assert.DoesNotContain("inner ran", r.Stdout);
        Assert.DoesNotContain("INNER-RC=0", Lines(r.Stdout));
        string error = string.Join('\n', Section(r.Stdout, "ERR"));
        Assert.Contains("unshare user namespace", error);
        Assert.Contains(named, error);
        var nested = Section(r.Stdout, "CHECK").FirstOrDefault(l => l.StartsWith("fail nested "));
        Assert.True(nested is not null && nested.Contains(named), $"no failing nested check naming {named} in:\n{r.Stdout}");
        AssertNothingLeft();
    }
}
