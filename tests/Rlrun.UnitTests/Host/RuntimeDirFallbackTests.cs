using Rlrun.Runtime.Host;
using Xunit;

namespace Rlrun.UnitTests.Host;

public class RuntimeDirFallbackTests
{
    [Fact]
    public void Root_and_a_set_variable_keep_what_they_have()
    {
        Assert.Null(RuntimeDirFallback.For(0, null));
        Assert.Null(RuntimeDirFallback.For(1000, "/run/user/1000"));
    }

    [Fact]
    public void A_missing_run_user_dir_gives_nothing() => Assert.Null(RuntimeDirFallback.For(4000000001, null));
}
