using Rlrun.Runtime.Signals;
using Xunit;

namespace Rlrun.UnitTests.Signals;

public class SignalParserTests
{
    [Theory]
    [InlineData("KILL", 9)]
    [InlineData("SIGKILL", 9)]
    [InlineData("TERM", 15)]
    [InlineData("SIGTERM", 15)]
    [InlineData("HUP", 1)]
    [InlineData("SIGUSR1", 10)]
    [InlineData("USR2", 12)]
    [InlineData("CHLD", 17)]
    [InlineData("SIGCONT", 18)]
    [InlineData("STOP", 19)]
    [InlineData("WINCH", 28)]
    [InlineData("SIGSYS", 31)]
    [InlineData("IOT", 6)]
    [InlineData("ABRT", 6)]
    public void Names_with_and_without_SIG(string text, int expected)
    {
        Assert.Equal(expected, SignalParser.Parse(text));
    }

    [Theory]
    [InlineData("sigterm", 15)]
    [InlineData("Kill", 9)]
    [InlineData("SigInt", 2)]
    [InlineData("hup", 1)]
    public void Names_are_case_insensitive(string text, int expected)
    {
        Assert.Equal(expected, SignalParser.Parse(text));
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("9", 9)]
    [InlineData("15", 15)]
    [InlineData("34", 34)]
    [InlineData("64", 64)]
    public void Numbers_in_range_are_taken_as_they_are(string text, int expected)
    {
        Assert.Equal(expected, SignalParser.Parse(text));
    }

    [Theory]
    [InlineData("RTMIN", 34)]
    [InlineData("SIGRTMIN", 34)]
    [InlineData("RTMIN+1", 35)]
    [InlineData("SIGRTMIN+3", 37)]
    [InlineData("rtmin+30", 64)]
    [InlineData("RTMAX", 64)]
    [InlineData("SIGRTMAX-1", 63)]
    [InlineData("RTMAX-30", 34)]
    public void Realtime_signals_relative_to_RTMIN_and_RTMAX(string text, int expected)
    {
        Assert.Equal(expected, SignalParser.Parse(text));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65")]
    [InlineData("-9")]
    [InlineData("99999999999")]
    public void Out_of_range_numbers_throw_naming_the_input(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => SignalParser.Parse(text));
        Assert.Contains(text, e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("SIG")]
    [InlineData("BOGUS")]
    [InlineData("SIGBOGUS")]
    [InlineData("KILLX")]
    [InlineData("RTMIN+31")]
    [InlineData("RTMAX-31")]
    [InlineData("RTMIN+")]
    [InlineData("RTMIN1")]
    [InlineData("RTMAX+1")]
    [InlineData("RTMIN-1")]
    [InlineData("RTMAX+0x1")]
    public void Invalid_names_throw_naming_the_input(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => SignalParser.Parse(text));
        Assert.Contains($"\"{text}\"", e.Message);
    }
}
