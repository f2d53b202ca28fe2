using Rlrun.Runtime.Overlay;
using Xunit;

namespace Rlrun.UnitTests.Overlay;

public sealed class MountOptionLimitTests
{
    static LayeredRoot Root(int layers) => new()
    {
        Store = "/home/u/.local/share/rlrun/storage",
        Lowers = Enumerable.Range(0, layers).Select(i => $"l/{i:D26}").ToList(),
        Upper = "/home/u/.local/share/rlrun/storage/containers/c/upper",
        Work = "/home/u/.local/share/rlrun/storage/containers/c/work",
    };

    [Fact]
    public void Short_links_keep_a_hundred_layers_in_one_page_with_userxattr()
    {
        string options = MountOptionLimit.Options(Root(100), userxattr: true);
        Assert.StartsWith($"lowerdir=l/{new string('0', 26)}:l/{new string('0', 25)}1:", options);
        Assert.EndsWith(",workdir=/home/u/.local/share/rlrun/storage/containers/c/work,userxattr", options);
        Assert.True(options.Length < 4096);
    }

    [Fact]
    public void Too_many_layers_say_why_instead_of_a_bare_EINVAL()
    {
        var e = Assert.Throws<InvalidOperationException>(() => MountOptionLimit.Options(Root(200), userxattr: true));
        Assert.Contains("200 layers", e.Message);
        Assert.Contains("4095-byte limit", e.Message);
    }

    [Fact]
    public void A_comma_in_a_path_is_refused()
    {
        var root = Root(1);
        root.Upper = "/home/u/a,b/upper";
        Assert.Contains("',' and ':'", Assert.Throws<InvalidOperationException>(() => MountOptionLimit.Options(root, userxattr: true)).Message);
    }
}
