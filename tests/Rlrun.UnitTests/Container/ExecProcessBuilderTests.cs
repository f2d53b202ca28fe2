using Rlrun.Runtime.Container;
using Rlrun.Runtime.Spec;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Container;

public class ExecProcessBuilderTests
{
    static ExecOptions Opts(params string[] args) => new("web", null, args);

    static SpecProcess ContainerProcess() => new()
    {
        Args = ["/init"],
        Env = ["PATH=/usr/bin:/bin", "TERM=xterm"],
        Cwd = "/srv",
        User = new SpecUser { Uid = 1000, Gid = 1001, Umask = 0x12, AdditionalGids = [10, 20] },
        Capabilities = new SpecCapabilities
        {
            Bounding = ["CAP_KILL", "CAP_CHOWN"], Effective = ["CAP_KILL"], Permitted = ["CAP_KILL"],
            Inheritable = [], Ambient = null,
        },
        Rlimits = [new SpecRlimit { Type = "RLIMIT_NOFILE", Hard = 1024, Soft = 512 }],
        NoNewPrivileges = true,
        ApparmorProfile = "rlrun-default",
        Terminal = true,
    };

    [Fact]
    public void Defaults_come_from_the_containers_process()
    {
        var c = ContainerProcess();
        var p = ExecProcessBuilder.Build(Opts("ps", "aux"), c);

        Assert.Equal(["ps", "aux"], p.Args!);
        Assert.Equal(c.Env, p.Env);
        Assert.Equal("/srv", p.Cwd);
        Assert.Equal(1000u, p.User.Uid);
        Assert.Equal(1001u, p.User.Gid);
        Assert.Equal(0x12u, p.User.Umask);
        Assert.Equal([10u, 20u], p.User.AdditionalGids!);
        Assert.Equal(["CAP_KILL", "CAP_CHOWN"], p.Capabilities!.Bounding!);
        Assert.Equal(["CAP_KILL"], p.Capabilities.Effective!);
        Assert.Equal("RLIMIT_NOFILE", Assert.Single(p.Rlimits!).Type);
        Assert.Equal(512UL, p.Rlimits![0].Soft);
        Assert.True(p.NoNewPrivileges);
        Assert.Equal("rlrun-default", p.ApparmorProfile);
    }

    [Fact]
    public void The_terminal_comes_from_the_tty_flag_not_the_container()
    {
        Assert.False(ExecProcessBuilder.Build(Opts("sh"), ContainerProcess()).Terminal);
        Assert.True(ExecProcessBuilder.Build(Opts("sh") with { Tty = true }, new SpecProcess()).Terminal);
    }

    [Fact]
    public void Without_a_container_process_the_spec_defaults_apply()
    {
        var p = ExecProcessBuilder.Build(Opts("true"), null);
        Assert.Equal(["true"], p.Args!);
        Assert.Equal("/", p.Cwd);
        Assert.Null(p.Env);
        Assert.Equal(0u, p.User.Uid);
        Assert.Null(p.Capabilities);
        Assert.False(p.NoNewPrivileges);
    }

    [Fact]
    public void Env_flags_are_appended_to_the_containers_env()
    {
        var p = ExecProcessBuilder.Build(Opts("sh") with { Env = ["FOO=1", "TERM=dumb"] }, ContainerProcess());
        Assert.Equal(["PATH=/usr/bin:/bin", "TERM=xterm", "FOO=1", "TERM=dumb"], p.Env!);
    }

    [Fact]
    public void Env_flags_without_a_container_env_are_the_env()
    {
        var p = ExecProcessBuilder.Build(Opts("sh") with { Env = ["FOO=1"] }, new SpecProcess());
        Assert.Equal(["FOO=1"], p.Env!);
    }

    [Fact]
    public void Env_flags_do_not_change_the_containers_list()
    {
        var c = ContainerProcess();
        ExecProcessBuilder.Build(Opts("sh") with { Env = ["FOO=1"] }, c);
        Assert.Equal(["PATH=/usr/bin:/bin", "TERM=xterm"], c.Env!);
    }

    [Fact]
    public void Cwd_overrides()
    {
        Assert.Equal("/tmp", ExecProcessBuilder.Build(Opts("sh") with { Cwd = "/tmp" }, ContainerProcess()).Cwd);
    }

    [Fact]
    public void A_relative_cwd_is_an_error()
    {
        var e = Assert.Throws<SpecError>(() => ExecProcessBuilder.Build(Opts("sh") with { Cwd = "tmp" }, ContainerProcess()));
        Assert.Contains("cwd", e.Message);
        Assert.Contains("\"tmp\"", e.Message);
    }

    [Fact]
    public void User_with_uid_and_gid()
    {
        var p = ExecProcessBuilder.Build(Opts("id") with { User = "33:44" }, ContainerProcess());
        Assert.Equal(33u, p.User.Uid);
        Assert.Equal(44u, p.User.Gid);
    }

    [Fact]
    public void User_with_only_a_uid_keeps_the_containers_gid()
    {
        var p = ExecProcessBuilder.Build(Opts("id") with { User = "0" }, ContainerProcess());
        Assert.Equal(0u, p.User.Uid);
        Assert.Equal(1001u, p.User.Gid);
    }

    [Theory]
    [InlineData("www-data")]
    [InlineData("1000:staff")]
    [InlineData("-1")]
    [InlineData("1000:")]
    [InlineData(":1000")]
    [InlineData("")]
    [InlineData("1:2:3")]
    public void User_that_is_not_numbers_is_rejected(string user)
    {
        var e = Assert.Throws<ArgumentException>(() => ExecProcessBuilder.Build(Opts("id") with { User = user }, ContainerProcess()));
        Assert.Contains($"\"{user}\"", e.Message);
        Assert.Contains("UID[:GID]", e.Message);
    }

    [Fact]
    public void Additional_gids_are_added_to_the_containers()
    {
        // runc appends --additional-gids to process.user.additionalGids from config.json.
        var p = ExecProcessBuilder.Build(Opts("id") with { AdditionalGids = [5, 6, 7] }, ContainerProcess());
        Assert.Equal([10u, 20u, 5u, 6u, 7u], p.User.AdditionalGids!);
    }

    [Fact]
    public void Additional_gids_without_the_containers_are_the_list()
    {
        var p = ExecProcessBuilder.Build(Opts("id") with { AdditionalGids = [5, 6] }, new SpecProcess());
        Assert.Equal([5u, 6u], p.User.AdditionalGids!);
    }

    [Fact]
    public void Cap_flags_are_added_to_bounding_effective_and_permitted()
    {
        var p = ExecProcessBuilder.Build(Opts("sh") with { Caps = ["CAP_NET_ADMIN"] }, ContainerProcess());
        var c = p.Capabilities!;
        Assert.Equal(["CAP_KILL", "CAP_CHOWN", "CAP_NET_ADMIN"], c.Bounding!);
        Assert.Equal(["CAP_KILL", "CAP_NET_ADMIN"], c.Effective!);
        Assert.Equal(["CAP_KILL", "CAP_NET_ADMIN"], c.Permitted!);
    }

    [Fact]
    public void Cap_flags_are_not_added_to_the_inheritable_set()
    {
        // CVE-2022-29162 (runc 1.1.2): exec --cap must not make the inheritable set non-empty, or a
        // program with inheritable file capabilities gains them at execve.
        var withEmpty = ExecProcessBuilder.Build(Opts("sh") with { Caps = ["CAP_NET_ADMIN"] }, ContainerProcess());
        Assert.Empty(withEmpty.Capabilities!.Inheritable!);

        var c = ContainerProcess();
        c.Capabilities!.Inheritable = null;
        var withNone = ExecProcessBuilder.Build(Opts("sh") with { Caps = ["CAP_NET_ADMIN"] }, c);
        Assert.Null(withNone.Capabilities!.Inheritable);
    }

    [Fact]
    public void Cap_flags_reach_ambient_only_when_the_process_has_an_inheritable_set()
    {
        // As runc: ambient needs inheritable, which exec --cap does not set.
        var withInheritable = ExecProcessBuilder.Build(Opts("sh") with { Caps = ["CAP_NET_ADMIN"] }, ContainerProcess());
        Assert.Equal(["CAP_NET_ADMIN"], withInheritable.Capabilities!.Ambient!);

        var c = ContainerProcess();
        c.Capabilities!.Inheritable = null;
        var without = ExecProcessBuilder.Build(Opts("sh") with { Caps = ["CAP_NET_ADMIN"] }, c);
        Assert.Null(without.Capabilities!.Ambient);
    }

    [Theory]
    [InlineData("CAP_SYS_PTRACE")]
    [InlineData("cap_sys_ptrace")]
    [InlineData("SYS_PTRACE")]
    [InlineData("sys_ptrace")]
    [InlineData("Cap_Sys_Ptrace")]
    public void Cap_names_are_upper_cased_and_CAP_prefixed(string cap)
    {
        var p = ExecProcessBuilder.Build(Opts("sh") with { Caps = [cap] }, new SpecProcess());
        var c = p.Capabilities!;
        foreach (var set in new[] { c.Bounding, c.Effective, c.Permitted })
            Assert.Equal(["CAP_SYS_PTRACE"], set!);
    }

    [Fact]
    public void A_cap_already_in_a_set_is_not_added_twice()
    {
        var p = ExecProcessBuilder.Build(Opts("sh") with { Caps = ["kill", "CAP_KILL", "Cap_Kill"] }, ContainerProcess());
        Assert.Equal(["CAP_KILL", "CAP_CHOWN"], p.Capabilities!.Bounding!);
        Assert.Equal(["CAP_KILL"], p.Capabilities.Effective!);
    }

    [Fact]
    public void No_new_privs_turns_it_on()
    {
        var c = new SpecProcess { NoNewPrivileges = false };
        Assert.False(ExecProcessBuilder.Build(Opts("sh"), c).NoNewPrivileges);
        Assert.True(ExecProcessBuilder.Build(Opts("sh") with { NoNewPrivs = true }, c).NoNewPrivileges);
    }

    [Fact]
    public void Without_args_or_a_process_file_it_is_an_error()
    {
        var e = Assert.Throws<ArgumentException>(() => ExecProcessBuilder.Build(Opts(), ContainerProcess()));
        Assert.Contains("command", e.Message);
    }

    [Fact]
    public void An_empty_program_name_is_an_error()
    {
        var e = Assert.Throws<SpecError>(() => ExecProcessBuilder.Build(Opts(""), ContainerProcess()));
        Assert.Contains("process.args", e.Message);
    }

    [Fact]
    public void A_process_file_is_used_as_given()
    {
        using var dir = new TempDir();
        string file = dir.Join("process.json");
        File.WriteAllText(file, """
            {
              "args": ["/bin/echo", "hi"],
              "env": ["A=1"],
              "cwd": "/work",
              "user": { "uid": 7, "gid": 8, "additionalGids": [9] },
              "capabilities": { "bounding": ["CAP_KILL"] },
              "noNewPrivileges": true,
              "terminal": true
            }
            """);
        var p = ExecProcessBuilder.Build(new ExecOptions("web", file, []), ContainerProcess());

        Assert.Equal(["/bin/echo", "hi"], p.Args!);
        Assert.Equal(["A=1"], p.Env!);
        Assert.Equal("/work", p.Cwd);
        Assert.Equal(7u, p.User.Uid);
        Assert.Equal(8u, p.User.Gid);
        Assert.Equal([9u], p.User.AdditionalGids!);
        Assert.Equal(["CAP_KILL"], p.Capabilities!.Bounding!);
        Assert.Null(p.Capabilities.Effective);
        Assert.Null(p.Rlimits); // nothing is taken from the container's process
        Assert.True(p.NoNewPrivileges);
        Assert.True(p.Terminal);
    }

    [Fact]
    public void A_process_file_defaults_cwd_to_root()
    {
        using var dir = new TempDir();
        string file = dir.Join("process.json");
        File.WriteAllText(file, """{ "args": ["sh"] }""");
        Assert.Equal("/", ExecProcessBuilder.Build(new ExecOptions("web", file, []), null).Cwd);
    }

    [Fact]
    public void Invalid_json_in_a_process_file_names_the_file_and_line()
    {
        using var dir = new TempDir();
        string file = dir.Join("process.json");
        File.WriteAllText(file, "{\n  \"args\": [\"sh\"],\n  \"cwd\": x\n}");
        var e = Assert.Throws<SpecError>(() => ExecProcessBuilder.Build(new ExecOptions("web", file, []), null));
        Assert.StartsWith(file + ":3:", e.Message);
        Assert.Contains("invalid process", e.Message);
    }

    [Fact]
    public void A_wrong_type_in_a_process_file_is_a_spec_error()
    {
        using var dir = new TempDir();
        string file = dir.Join("process.json");
        File.WriteAllText(file, """{ "args": "sh" }""");
        var e = Assert.Throws<SpecError>(() => ExecProcessBuilder.Build(new ExecOptions("web", file, []), null));
        Assert.StartsWith(file + ":", e.Message);
    }

    [Fact]
    public void A_null_process_file_is_a_spec_error()
    {
        using var dir = new TempDir();
        string file = dir.Join("process.json");
        File.WriteAllText(file, "null");
        var e = Assert.Throws<SpecError>(() => ExecProcessBuilder.Build(new ExecOptions("web", file, []), null));
        Assert.StartsWith(file + ":", e.Message);
    }

    [Fact]
    public void A_process_file_without_args_is_an_error()
    {
        using var dir = new TempDir();
        string file = dir.Join("process.json");
        File.WriteAllText(file, """{ "cwd": "/" }""");
        var e = Assert.Throws<SpecError>(() => ExecProcessBuilder.Build(new ExecOptions("web", file, []), null));
        Assert.Contains("process.args", e.Message);
    }

    [Fact]
    public void A_process_file_with_a_relative_cwd_is_an_error()
    {
        using var dir = new TempDir();
        string file = dir.Join("process.json");
        File.WriteAllText(file, """{ "args": ["sh"], "cwd": "work" }""");
        var e = Assert.Throws<SpecError>(() => ExecProcessBuilder.Build(new ExecOptions("web", file, []), null));
        Assert.Contains("\"work\"", e.Message);
    }

    [Fact]
    public void A_missing_process_file_names_it()
    {
        using var dir = new TempDir();
        string file = dir.Join("missing.json");
        var e = Assert.Throws<SpecError>(() => ExecProcessBuilder.Build(new ExecOptions("web", file, []), null));
        Assert.StartsWith($"--process {file}:", e.Message);
    }
}
