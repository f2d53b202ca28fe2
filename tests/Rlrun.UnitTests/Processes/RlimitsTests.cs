using Rlrun.Runtime.Process;
using Rlrun.Runtime.Spec;
using Xunit;

namespace Rlrun.UnitTests.Processes;

public class RlimitsTests
{
    [Theory]
    [InlineData("RLIMIT_CPU", 0)]
    [InlineData("RLIMIT_FSIZE", 1)]
    [InlineData("RLIMIT_CORE", 4)]
    [InlineData("RLIMIT_NPROC", 6)]
    [InlineData("RLIMIT_NOFILE", 7)]
    [InlineData("RLIMIT_MEMLOCK", 8)]
    [InlineData("RLIMIT_AS", 9)]
    [InlineData("RLIMIT_MSGQUEUE", 12)]
    [InlineData("RLIMIT_RTTIME", 15)]
    public void Names_have_the_kernels_numbers(string name, int number)
    {
        Assert.True(Rlimits.IsKnown(name));
        Assert.Equal(number, Rlimits.NumberOf(name));
    }

    [Theory]
    [InlineData("RLIMIT_BOGUS")]
    [InlineData("NOFILE")]
    [InlineData("")]
    public void Unknown_names_are_rejected_naming_them(string name)
    {
        Assert.False(Rlimits.IsKnown(name));
        var e = Assert.Throws<SpecError>(() => Rlimits.NumberOf(name));
        Assert.Contains($"rlimit {name}", e.Message);
    }
}
