using Rlrun.Runtime.Interop;
using Xunit;

namespace Rlrun.UnitTests.Interop;

/// <summary>getrandom(2) fills what it is given, every byte of it, and twice is not the same.</summary>
public sealed class RandomCallsTests
{
    [Fact]
    public void Fills_every_byte_and_never_the_same_twice()
    {
        // 64 KiB: more than one call may return, and a byte left unfilled would show as a run of zeros.
        var a = new byte[65536];
        var b = new byte[65536];
        RandomCalls.Fill(a);
        RandomCalls.Fill(b);
        Assert.False(a.AsSpan().SequenceEqual(b));
        Assert.True(a.Count(x => x == 0) < 512, "too many zero bytes: part of the buffer was not filled");
        Assert.Equal(256, a.Distinct().Count());
        RandomCalls.Fill([]);
    }
}
