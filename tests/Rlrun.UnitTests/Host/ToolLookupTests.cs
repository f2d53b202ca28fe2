using Rlrun.Runtime.Host;
using Xunit;

namespace Rlrun.UnitTests.Host;

public class ToolLookupTests
{
    [Fact]
    public void PATH_comes_first_then_the_fixed_directories()
    {
        var asked = new List<string>();
        Assert.Null(ToolLookup.Find("x", "/opt/bin::/home/a/bin", p => { asked.Add(p); return false; }));
        Assert.Equal(["/opt/bin/x", "/home/a/bin/x", "/usr/bin/x", "/bin/x", "/usr/sbin/x", "/sbin/x"], asked);
    }

    [Fact]
    public void Without_PATH_the_fixed_directories_are_searched()
    {
        Assert.Equal("/usr/sbin/pasta", ToolLookup.Find("pasta", "", p => p == "/usr/sbin/pasta"));
    }

    [Fact]
    public void The_first_match_wins()
    {
        Assert.Equal("/opt/bin/sh", ToolLookup.Find("sh", "/opt/bin", p => p is "/opt/bin/sh" or "/bin/sh"));
    }
}
