using Rlrun.Systemd;
using Xunit;

namespace Rlrun.SystemdTests;

/// <summary>What <see cref="TransientService"/> hands systemd: ExecStart in systemd's own
/// signature, and only the environment assignments systemd takes (one bad one refuses the unit).</summary>
public sealed class TransientServiceTests
{
    [Fact]
    public void ExecStart_has_systemds_signature_path_argv_then_ignore_failure()
    {
        var p = new ExecCommandProperty("ExecStart", "/usr/bin/rlrun-supervisor", ["/usr/bin/rlrun-supervisor", "daemon", "--root", "/r"]);
        Assert.Equal("a(sasb)", p.Signature);
        Assert.Equal("ExecStart=[/usr/bin/rlrun-supervisor daemon --root /r] (a(sasb))", p.ToString());
    }

    [Theory]
    [InlineData("PATH=/usr/bin:/bin", true)]
    [InlineData("EMPTY=", true)]
    [InlineData("_X1=a\tb", true)]
    [InlineData("=value", false)]
    [InlineData("NOEQUALS", false)]
    [InlineData("1ABC=x", false)]
    [InlineData("A-B=x", false)]
    [InlineData("BASH_FUNC_f%%=() { :; }", false)]
    [InlineData("MULTI=a\nb", false)]
    public void Environment_keeps_only_what_systemd_accepts(string assignment, bool kept) =>
        Assert.Equal(kept, TransientService.IsValidAssignment(assignment));
}
