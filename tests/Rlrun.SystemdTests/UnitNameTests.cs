using Rlrun.Systemd;
using Xunit;

namespace Rlrun.SystemdTests;

public sealed class UnitNameTests
{
    [Theory]
    [InlineData("rlrun-abc.scope", true)]
    [InlineData("run-u12.service", true)]
    [InlineData("getty@tty1.service", true)]
    [InlineData("a\\x2db.scope", true)]
    [InlineData("rlrun-abc", false)]          // no type
    [InlineData("rlrun abc.scope", false)]
    [InlineData(".scope", false)]
    [InlineData("a/b.scope", false)]
    [InlineData("a@b@c.service", false)]
    public void IsValid(string name, bool valid) => Assert.Equal(valid, UnitName.IsValid(name));

    [Fact]
    public void TooLong_IsInvalid() => Assert.False(UnitName.IsValid(new string('a', 250) + ".scope"));

    [Theory]
    [InlineData("foo", "foo")]
    [InlineData("foo/bar", "foo-bar")]
    [InlineData("a-b", "a\\x2db")]
    [InlineData(".hidden", "\\x2ehidden")]
    [InlineData("x y", "x\\x20y")]
    [InlineData("é", "\\xc3\\xa9")]
    public void Escape_AsSystemdEscape(string s, string escaped) => Assert.Equal(escaped, UnitName.Escape(s));

    [Fact]
    public void ScopeFor_KeepsDashes_EscapesTheRest()
    {
        Assert.Equal("rlrun-web-1.scope", UnitName.ScopeFor("rlrun", "web-1"));
        Assert.Equal("rlrun-a\\x20b.scope", UnitName.ScopeFor("rlrun", "a b"));
        Assert.Throws<ArgumentException>(() => UnitName.ScopeFor("rlrun", new string('x', 300)));
    }

    [Theory]
    [InlineData("x.scope", "org.freedesktop.systemd1.Scope")]
    [InlineData("x.service", "org.freedesktop.systemd1.Service")]
    [InlineData("user.slice", "org.freedesktop.systemd1.Slice")]
    [InlineData("x", null)]
    [InlineData("x.bogus", null)]
    public void InterfaceOf(string unit, string? iface) => Assert.Equal(iface, UnitName.InterfaceOf(unit));
}
