using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>features, checkpoint/restore (not supported), systemd socket activation (LISTEN_FDS),
/// and a `spec --rootless` bundle that runs as it is.</summary>
public sealed class FeaturesAndSpecTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    static void Ok(ProcResult r) => Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());

    static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    static List<string> Strings(JsonNode? array) => array is JsonArray a ? a.Select(n => n!.GetValue<string>()).ToList() : [];

    [Fact]
    public void Features_is_json_with_hooks_seccomp_and_namespaces()
    {
        var r = _s.Rl("features");
        Ok(r);
        var f = JsonNode.Parse(r.Stdout)!.AsObject();
        Assert.False(string.IsNullOrEmpty(f["ociVersionMin"]?.GetValue<string>()), r.Stdout);
        Assert.False(string.IsNullOrEmpty(f["ociVersionMax"]?.GetValue<string>()), r.Stdout);
        Assert.Equal(["createContainer", "createRuntime", "poststart", "poststop", "prestart", "startContainer"], Strings(f["hooks"]).Order());
        var linux = f["linux"]!.AsObject();
        Assert.True(linux["seccomp"]?["enabled"]?.GetValue<bool>() == true, r.Stdout);
        var actions = Strings(linux["seccomp"]!["actions"]);
        Assert.Contains("SCMP_ACT_NOTIFY", actions);
        Assert.Contains("SCMP_ACT_ERRNO", actions);
        Assert.Contains("SCMP_ACT_KILL_PROCESS", actions);
        Assert.Contains("SCMP_CMP_MASKED_EQ", Strings(linux["seccomp"]!["operators"]));
        Assert.Contains("SCMP_ARCH_X86_64", Strings(linux["seccomp"]!["archs"]));
        var namespaces = Strings(linux["namespaces"]);
        foreach (var ns in new[] { "user", "pid", "mount", "network", "ipc", "uts", "cgroup" }) Assert.Contains(ns, namespaces);
        Assert.Contains("CAP_SYS_ADMIN", Strings(linux["capabilities"]));
        Assert.Contains("rbind", Strings(f["mountOptions"]));
    }

    [Theory]
    [InlineData("checkpoint")]
    [InlineData("restore")]
    public void Checkpoint_and_restore_are_not_supported(string command)
    {
        var r = _s.Rl(command, "some-container");
        Assert.False(r.TimedOut, r.ToString());
        Assert.True(r.ExitCode != 0, $"{command} succeeded: {r}");
        Assert.Contains("not supported", r.Stderr);
    }

    /// <summary>Every flag runc 1.1.5's checkpoint and restore take is accepted, with its value:
    /// the answer is "not supported", with the exit code of a bare call, never "flag provided but not defined".</summary>
    [Theory]
    [InlineData("checkpoint", new[] { "--image-path", "/tmp/img", "--work-path=/tmp/work", "--parent-path", "../prev", "--leave-running",
        "--tcp-established", "--ext-unix-sk", "--shell-job", "--lazy-pages", "--status-fd", "7", "--page-server", "127.0.0.1:27",
        "--file-locks", "--pre-dump", "--manage-cgroups-mode", "soft", "--empty-ns", "network", "--empty-ns", "ipc", "--auto-dedup" })]
    [InlineData("restore", new[] { "--console-socket", "/tmp/c.sock", "--image-path", "/tmp/img", "--work-path", "/tmp/work",
        "--tcp-established", "--ext-unix-sk", "--shell-job", "--file-locks", "--manage-cgroups-mode=full", "--bundle", "/tmp/b",
        "-b", "/tmp/b", "--detach", "-d", "--pid-file", "/tmp/pid", "--no-subreaper", "--no-pivot", "--empty-ns", "network",
        "--auto-dedup", "--lazy-pages", "--lsm-profile", "apparmor:x", "--lsm-mount-context", "system_u:object_r:x" })]
    public void Checkpoint_and_restore_take_runcs_flags_and_say_not_supported(string command, string[] flags)
    {
        var bare = _s.Rl(command, "some-container");
        string[] argv = [command, .. flags, "some-container"];
        var r = _s.Rl(argv);
        Assert.False(r.TimedOut, r.ToString());
        Assert.DoesNotContain("not defined", r.Stderr);
        Assert.DoesNotContain("needs an argument", r.Stderr);
        Assert.Contains("not supported", r.Stderr);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal(bare.ExitCode, r.ExitCode);
    }

    /// <summary>systemd socket activation as runc passes it on: LISTEN_FDS fds from 3 go into the
    /// container, with LISTEN_FDS=N and LISTEN_PID=1 (the container's process) in its env.</summary>
    [UserFact]
    public void Listen_fds_pass_fd_3_and_the_variables_into_the_container()
    {
        string file = Path.Join(_s.Dir, "activated.txt");
        File.WriteAllText(file, "socket-activated\n");
        File.SetUnixFileMode(file, (UnixFileMode)0x1a4);
        var b = _s.NewBundle(["sh", "-c", "echo \"fds=$LISTEN_FDS pid=$LISTEN_PID\"; cat <&3; ls /proc/$$/fd; true"]);
        var rl = _s.RlSpec(["run", "--bundle", b.Path, _s.NewId("listenfds")]);
        // LISTEN_FDS in rlrun's environment: through setpriv's env -i, or added to ours.
        var withFd3 = Host.SwitchesUser
            ? new ProcSpec("/bin/bash", ["-c", "exec 3<\"$0\"; exec \"$@\"", file, rl.File, .. InsertEnv(rl.Args, "LISTEN_FDS=1")], rl.Env, rl.ClearEnv)
            : new ProcSpec("/bin/bash", ["-c", "exec 3<\"$0\"; exec \"$@\"", file, "env", "LISTEN_FDS=1", rl.File, .. rl.Args], rl.Env, rl.ClearEnv);
        var r = Proc.Run(withFd3);
        Ok(r);
        Assert.Equal(["fds=1 pid=1", "socket-activated", "0", "1", "2", "3"], Lines(r.Stdout));
    }

    /// <summary>setpriv ... env -i XDG_RUNTIME_DIR=... [K=V...] rlrun ARGS: VAR goes after `env -i`'s first assignment.</summary>
    static List<string> InsertEnv(List<string> setprivArgs, string variable)
    {
        var args = new List<string>(setprivArgs);
        int i = args.FindIndex(a => a.StartsWith("XDG_RUNTIME_DIR="));
        Assert.True(i > 0 && args[i - 1] == "-i", $"unexpected command line from the harness: {string.Join(' ', setprivArgs)}");
        args.Insert(i + 1, variable);
        return args;
    }

    /// <summary>Without LISTEN_FDS nothing is passed: fd 3 of rlrun stays out, the variables are unset.</summary>
    [UserFact]
    public void Without_listen_fds_fd_3_stays_out()
    {
        string file = Path.Join(_s.Dir, "not-activated.txt");
        File.WriteAllText(file, "x\n");
        File.SetUnixFileMode(file, (UnixFileMode)0x1a4);
        var b = _s.NewBundle(["sh", "-c", "echo \"fds=$LISTEN_FDS pid=$LISTEN_PID\"; ls /proc/$$/fd; true"]);
        var rl = _s.RlSpec(["run", "--bundle", b.Path, _s.NewId("nolisten")]);
        var r = Proc.Run(new ProcSpec("/bin/bash", ["-c", "exec 3<\"$0\"; exec \"$@\"", file, rl.File, .. rl.Args], rl.Env, rl.ClearEnv));
        Ok(r);
        Assert.Equal(["fds= pid=", "0", "1", "2"], Lines(r.Stdout));
    }

    /// <summary>`spec --rootless` then only the rootfs added and args changed: runs as it is from a
    /// terminal (its process.terminal is true: script(1) gives one; without, it is refused as runc
    /// refuses it, see TerminalTests).</summary>
    [UserFact]
    public void Spec_rootless_bundle_runs_as_it_is()
    {
        string dir = Path.Join(_s.Dir, "plain-bundle");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0x1ed);
        Host.ChownToUser(dir);
        Ok(_s.Rl(["spec", "--rootless"], cwd: dir));
        Ok(Proc.Run(Host.AsUser("/bin/cp", ["-a", Host.TemplateRootfs, Path.Join(dir, "rootfs")])));
        var bundle = new Bundle(dir, Path.Join(dir, "rootfs"));
        var config = bundle.ReadConfig();
        Assert.Contains(config["linux"]!["namespaces"]!.AsArray(), n => n!["type"]!.GetValue<string>() == "user");
        Assert.True(config["process"]!["terminal"]!.GetValue<bool>(), "spec no longer asks for a terminal: this test assumed it does");

        ProcResult OnTerminal(string id) => TerminalOutputTests.OnTerminal(Host.AsUser(Host.Binary, ["--root", _s.StateRoot, "run", "--bundle", dir, id], Host.ShellEnv));
        bundle.EditConfig(c => c["process"]!["args"] = new JsonArray("true"));
        var r = OnTerminal(_s.NewId("specrun"));
        Assert.False(r.TimedOut, r.ToString());
        Assert.True(r.ExitCode == 0, r.ToString());

        bundle.EditConfig(c => c["process"]!["args"] = new JsonArray("sh", "-c", "echo from-spec-bundle; exit 4"));
        var r2 = OnTerminal(_s.NewId("specrun2"));
        Assert.False(r2.TimedOut, r2.ToString());
        Assert.True(r2.ExitCode == 4, r2.ToString());
        Assert.Contains("from-spec-bundle", r2.Stdout);
    }
}
