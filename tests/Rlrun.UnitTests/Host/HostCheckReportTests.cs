using Rlrun.Runtime.Host;
using Xunit;

namespace Rlrun.UnitTests.Host;

public class HostCheckReportTests
{
    [Fact]
    public void A_container_can_run_with_warnings_but_not_with_a_failure()
    {
        var ok = CheckResult.Ok("kernel", "6.1");
        var warn = CheckResult.Warn("linger", "not enabled", "loginctl enable-linger alice");
        var fail = CheckResult.Fail("userns", "disabled", "sysctl -w user.max_user_namespaces=28633");
        Assert.True(new HostCheckReport([ok, warn]).CanRun);
        Assert.False(new HostCheckReport([ok, warn, fail]).CanRun);
    }

    [Fact]
    public void Status_words_and_fix_lines()
    {
        Assert.Equal(["ok", "warn", "fail"], new[] { CheckStatus.Ok, CheckStatus.Warn, CheckStatus.Fail }.Select(s => new CheckResult("n", s, "d").StatusText));
        Assert.Empty(CheckResult.Ok("n", "d").FixLines);
        Assert.Equal(["a", "or: b"], CheckResult.Warn("n", "d", "a\nor: b").FixLines);
    }
}
