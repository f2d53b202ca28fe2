using System.Text.Json.Nodes;
using Rlrun.IntegrationTests.Harness;
using Xunit;

namespace Rlrun.IntegrationTests;

/// <summary>Configs that runc itself writes run under rlrun as quietly as under runc.</summary>
public sealed class RuncConfigTests : IDisposable
{
    readonly Sandbox _s = new();
    public void Dispose() => _s.Dispose();

    [RuncUserFact]
    public void Runc_spec_rootless_runs_without_the_ambient_capability_warnings_runc_does_not_print()
    {
        var bundle = _s.NewBundle(["/bin/busybox", "echo", "quiet"]);
        File.Delete(bundle.ConfigPath);
        Proc.Run(Host.AsUser(Harness.Runc.Path!, ["spec", "--rootless", "--bundle", bundle.Path], Host.ShellEnv)).EnsureSuccess("runc spec --rootless");
        bundle.EditConfig(c =>
        {
            c["process"]!["terminal"] = false;
            c["process"]!["args"] = new JsonArray("/bin/busybox", "echo", "quiet");
        });
        // What makes rlrun warn: ambient capabilities with no inheritable set to raise them from.
        var caps = bundle.ReadConfig()["process"]!["capabilities"]!.AsObject();
        Assert.True(caps["ambient"]!.AsArray().Count > 0 && caps["inheritable"] is null, caps.ToJsonString());

        var r = _s.Rl("run", "--bundle", bundle.Path, _s.NewId("runcspec"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("quiet\n", r.Stdout);
        Assert.DoesNotContain("ambient", r.Stderr);

        // --debug still says it, as runc's debug log would.
        var debug = _s.Rl("--debug", "run", "--bundle", bundle.Path, _s.NewId("runcspec-debug"));
        Assert.True(debug.ExitCode == 0, debug.ToString());
        Assert.Contains("debug: cannot raise ambient capability CAP_KILL", debug.Stderr);
        Assert.DoesNotContain("warning: cannot raise ambient", debug.Stderr);
    }
}

/// <summary>A UserFact that needs runc itself (Debian's package, which .ci/run installs).</summary>
public sealed class RuncUserFactAttribute : FactAttribute
{
    public RuncUserFactAttribute()
    {
        if (!Host.Unprivileged) Skip = "requires an unprivileged user: the tests run as root and RLRUN_TEST_USER is not set";
        else if (Harness.Runc.Path is null) Skip = "runc is not installed (/usr/sbin/runc, /usr/bin/runc): no `runc spec --rootless` to run";
    }
}
