using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>linux.seccomp, loaded by the init on the thread that execs: errno and kill actions,
/// argument conditions, bad profiles refused at create, with and without no_new_privs, for exec
/// too, and the default profile podman ships (containers-common's seccomp.json).</summary>
public sealed class SeccompTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    static void Ok(ProcResult r) => Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());

    static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    const string MkdirEnosys = """
        {
          "defaultAction": "SCMP_ACT_ALLOW",
          "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
          "syscalls": [ { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38 } ]
        }
        """;

    static Action<JsonObject> WithSeccomp(string profile, Action<JsonObject>? more = null) => c =>
    {
        c["linux"]!["seccomp"] = JsonNode.Parse(profile);
        more?.Invoke(c);
    };

    ProcResult Run(Bundle b, string tag)
    {
        var r = _s.Rl("run", "--bundle", b.Path, _s.NewId(tag));
        Assert.False(r.TimedOut, r.ToString());
        return r;
    }

    [UserTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void Errno_rule_fails_mkdir_with_ENOSYS_while_touch_works(bool noNewPrivileges)
    {
        var b = _s.NewBundle(["sh", "-c", "mkdir /tmp/x; echo mkdir=$?; touch /tmp/y; echo touch=$?; grep '^Seccomp:' /proc/self/status"],
            WithSeccomp(MkdirEnosys, c => c["process"]!["noNewPrivileges"] = noNewPrivileges), readonlyRoot: false);
        var r = Run(b, noNewPrivileges ? "scnnp" : "scnonnp");
        Ok(r);
        var lines = Lines(r.Stdout);
        Assert.Equal("mkdir=1", lines[0]);
        Assert.Equal("touch=0", lines[1]);
        Assert.Equal("Seccomp: 2", string.Join(' ', lines[2].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries)));
        Assert.Contains("Function not implemented", r.Stderr);
        Assert.False(Directory.Exists(Path.Join(b.Rootfs, "tmp", "x")), "mkdir happened despite the filter");
        Assert.True(File.Exists(Path.Join(b.Rootfs, "tmp", "y")), "touch did not happen");
    }

    /// <summary>busybox sh itself calls uname and getppid at start-up, so the killed program is
    /// uname run directly as the container's process; echo under the same filter is the control.</summary>
    [UserFact]
    public void Kill_process_action_kills_with_SIGSYS()
    {
        const string profile = """{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["uname"], "action": "SCMP_ACT_KILL_PROCESS" } ] }""";
        var killed = Run(_s.NewBundle(["uname", "-a"], WithSeccomp(profile)), "sckill");
        Assert.True(killed.ExitCode == 128 + 31, $"uname under SCMP_ACT_KILL_PROCESS should die of SIGSYS (exit 159): {killed}");
        Assert.Equal("", killed.Stdout);

        var control = Run(_s.NewBundle(["echo", "alive"], WithSeccomp(profile)), "sckillctl");
        Ok(control);
        Assert.Equal("alive", control.Stdout.Trim());
    }

    [UserFact]
    public void Argument_condition_blocks_only_the_matching_call()
    {
        // kill(pid, SIGUSR1) -> EPERM; kill with any other signal passes.
        const string profile = """
            { "defaultAction": "SCMP_ACT_ALLOW",
              "syscalls": [ { "names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
                              "args": [ { "index": 1, "value": 10, "op": "SCMP_CMP_EQ" } ] } ] }
            """;
        string script = "trap 'echo got-usr1' USR1; trap 'echo got-usr2' USR2; " +
            "kill -USR1 $$; echo usr1=$?; kill -USR2 $$; echo usr2=$?; kill -0 $$; echo zero=$?";
        var r = Run(_s.NewBundle(["sh", "-c", script], WithSeccomp(profile)), "scargs");
        Ok(r);
        var lines = Lines(r.Stdout);
        Assert.Contains("usr1=1", lines);
        Assert.DoesNotContain("got-usr1", lines);
        Assert.Contains("got-usr2", lines);
        Assert.Contains("usr2=0", lines);
        Assert.Contains("zero=0", lines);
        Assert.Contains("Operation not permitted", r.Stderr);
    }

    [UserTheory]
    [InlineData("""{ "defaultAction": "SCMP_ACT_FROBNICATE" }""", "SCMP_ACT_FROBNICATE")]
    [InlineData("""{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["mkdir"], "action": "SCMP_ACT_BOGUS" } ] }""", "SCMP_ACT_BOGUS")]
    [InlineData("""{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [ { "index": 1, "value": 1, "op": "SCMP_CMP_NOPE" } ] } ] }""", "SCMP_CMP_NOPE")]
    public void Unknown_seccomp_names_fail_create_naming_linux_seccomp(string profile, string name)
    {
        var b = _s.NewBundle(["true"], WithSeccomp(profile));
        string id = _s.NewId("scbad");
        var r = _s.Rl("create", "--bundle", b.Path, id);
        Assert.False(r.TimedOut, r.ToString());
        Assert.True(r.ExitCode != 0, $"create with a bad seccomp profile succeeded: {r}");
        Assert.Contains("linux.seccomp", r.Stderr);
        Assert.Contains(name, r.Stderr);
        Assert.False(Directory.Exists(_s.StateDir(id)), $"{_s.StateDir(id)} left behind");
    }

    [UserFact]
    public void Exec_process_gets_the_containers_filter()
    {
        var b = _s.NewBundle(["/bin/busybox", "sh", "-c", Scripts.TrapLoop], WithSeccomp(MkdirEnosys), readonlyRoot: false);
        string id = _s.NewId("scexec");
        Ok(_s.Rl("run", "-d", "--bundle", b.Path, id));
        _s.WaitForStatus(id, "running");
        var r = _s.Rl("exec", id, "sh", "-c", "mkdir /tmp/from-exec; echo mkdir=$?; touch /tmp/from-exec-file; echo touch=$?");
        Ok(r);
        Assert.Equal(["mkdir=1", "touch=0"], Lines(r.Stdout));
        Assert.Contains("Function not implemented", r.Stderr);
        Assert.False(Directory.Exists(Path.Join(b.Rootfs, "tmp", "from-exec")));
    }

    // -------- podman's default profile --------

    const string ContainersSeccomp = "/usr/share/containers/seccomp.json";

    /// <summary>What `spec --rootless` gives the process (runc's three).</summary>
    static readonly string[] DefaultCaps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

    /// <summary>containers-common's seccomp.json is in the moby/containers format, not OCI's: an
    /// archMap, and rules with includes/excludes (arches, caps, minKernel). Converted as
    /// podman does it for x86_64 and a capability set: the architectures are archMap's entry for
    /// SCMP_ARCH_X86_64 and its subArchitectures; a rule is kept when its includes all hold (the
    /// "amd64" arch, every cap in CAPS, the running kernel at least minKernel) and none of its
    /// excludes does; names, action, errnoRet and args are copied as they are.</summary>
    static JsonObject ConvertContainersProfile(JsonObject moby, IReadOnlyCollection<string> caps)
    {
        var archs = new JsonArray();
        foreach (var entry in moby["archMap"]?.AsArray() ?? [])
            if (entry!["architecture"]!.GetValue<string>() == "SCMP_ARCH_X86_64")
            {
                archs.Add("SCMP_ARCH_X86_64");
                foreach (var sub in entry["subArchitectures"]?.AsArray() ?? []) archs.Add(sub!.GetValue<string>());
            }
        var kernel = KernelVersion();
        var rules = new JsonArray();
        foreach (var node in moby["syscalls"]!.AsArray())
        {
            var rule = node!.AsObject();
            var inc = rule["includes"] as JsonObject;
            var exc = rule["excludes"] as JsonObject;
            static List<string> Strings(JsonObject? o, string key) => o?[key] is JsonArray a ? a.Select(x => x!.GetValue<string>()).ToList() : [];
            if (Strings(inc, "arches") is { Count: > 0 } ia && !ia.Contains("amd64")) continue;
            if (Strings(inc, "caps") is { Count: > 0 } ic && !ic.All(caps.Contains)) continue;
            if (inc?["minKernel"]?.GetValue<string>() is { Length: > 0 } mk && kernel < Version.Parse(mk.Split('-')[0])) continue;
            if (Strings(exc, "arches").Contains("amd64")) continue;
            if (Strings(exc, "caps").Any(caps.Contains)) continue;
            var oci = new JsonObject
            {
                ["names"] = rule["names"]!.DeepClone(),
                ["action"] = rule["action"]!.GetValue<string>(),
            };
            if (rule["errnoRet"] is { } e) oci["errnoRet"] = e.DeepClone();
            if (rule["args"] is JsonArray { Count: > 0 } args) oci["args"] = args.DeepClone();
            rules.Add(oci);
        }
        var result = new JsonObject
        {
            ["defaultAction"] = moby["defaultAction"]!.GetValue<string>(),
            ["architectures"] = archs,
            ["syscalls"] = rules,
        };
        if (moby["defaultErrnoRet"] is { } d) result["defaultErrnoRet"] = d.DeepClone();
        return result;
    }

    static Version KernelVersion()
    {
        var release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        var parts = new string(release.TakeWhile(c => char.IsDigit(c) || c == '.').ToArray()).Split('.', StringSplitOptions.RemoveEmptyEntries);
        return new Version(int.Parse(parts[0]), parts.Length > 1 ? int.Parse(parts[1]) : 0);
    }

    /// <summary>The profile podman would give a container with the default capabilities. Under it a
    /// busybox shell works as usual, and chroot is refused by the filter itself: the process is
    /// given CAP_SYS_CHROOT, so only seccomp can say EPERM (the control run without the filter
    /// shows that chroot then works).</summary>
    [ContainersSeccompFact]
    public void Podmans_default_profile_loads_and_a_shell_works_under_it()
    {
        var moby = JsonNode.Parse(File.ReadAllText(ContainersSeccomp))!.AsObject();
        Assert.NotNull(moby["archMap"]); // the format this conversion is for
        var profile = ConvertContainersProfile(moby, DefaultCaps);
        Assert.Contains(profile["syscalls"]!.AsArray(), r => r!["names"]!.AsArray().Any(n => n!.GetValue<string>() == "chroot")
            && r["action"]!.GetValue<string>() == "SCMP_ACT_ERRNO");

        const string script = "echo start; ls / >/dev/null && echo ls-ok; ps >/dev/null && echo ps-ok; " +
            "mkdir /tmp/d && rmdir /tmp/d && echo mkdir-ok; id -u; grep '^Seccomp:' /proc/self/status; " +
            "chroot / true; echo chroot=$?; echo end";
        void AddChrootCap(JsonObject c)
        {
            foreach (var set in new[] { "bounding", "effective", "permitted" })
                c["process"]!["capabilities"]![set]!.AsArray().Add("CAP_SYS_CHROOT");
        }

        var b = _s.NewBundle(["sh", "-c", script], c => { c["linux"]!["seccomp"] = profile.DeepClone(); AddChrootCap(c); }, readonlyRoot: false);
        var r = Run(b, "podmanprof");
        Ok(r);
        var lines = Lines(r.Stdout).Select(l => string.Join(' ', l.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries))).ToList();
        Assert.Equal(["start", "ls-ok", "ps-ok", "mkdir-ok", "0", "Seccomp: 2", "chroot=1", "end"], lines);
        Assert.Contains("Operation not permitted", r.Stderr);

        var control = Run(_s.NewBundle(["sh", "-c", "chroot / true; echo chroot=$?"], AddChrootCap), "podmanctl");
        Ok(control);
        Assert.Equal("chroot=0", control.Stdout.Trim());
    }

    public sealed class ContainersSeccompFactAttribute : FactAttribute
    {
        public ContainersSeccompFactAttribute()
        {
            if (!Host.Unprivileged) Skip = "requires an unprivileged user: the tests run as root and RLRUN_TEST_USER is not set";
            else if (!File.Exists(ContainersSeccomp))
                Skip = $"{ContainersSeccomp} is missing: podman's default seccomp profile comes with containers-common (as root: apt-get install -y podman)";
        }
    }
}
