using Rlrun.Images.Run;
using Xunit;

namespace Rlrun.UnitTests.Overlay;

public sealed class ImageUserTests
{
    static string? Files(string path) => path switch
    {
        "/etc/passwd" => "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n# comment\nodd:x:abc:1::/:/bin/sh\n",
        "/etc/group" => "root:x:0:\napp:x:1000:\nextra:x:2000:app,other\nwheel:x:10:root\n",
        _ => null,
    };

    [Theory]
    [InlineData(null, 0u, 0u, "10")]
    [InlineData("", 0u, 0u, "10")]
    // A given user's own group comes first among its supplementary groups, as podman's `id` shows.
    [InlineData("app", 1000u, 1000u, "1000,2000")]
    [InlineData("1000", 1000u, 1000u, "1000,2000")]
    [InlineData("app:extra", 1000u, 2000u, "2000")]
    [InlineData("app:10", 1000u, 10u, "10")]
    [InlineData("4242", 4242u, 0u, "0")]
    [InlineData("4242:4343", 4242u, 4343u, "4343")]
    [InlineData("root", 0u, 0u, "0,10")]
    public void Resolves_names_and_numbers_through_the_images_files(string? spec, uint uid, uint gid, string extra)
    {
        var u = ImageUser.Resolve(spec, Files, "--user");
        Assert.Equal(uid, u.Uid);
        Assert.Equal(gid, u.Gid);
        Assert.Equal(extra, string.Join(",", u.AdditionalGids ?? []));
    }

    [Theory]
    [InlineData("nobody", "user \"nobody\" is not in the image's /etc/passwd")]
    [InlineData("app:nogroup", "group \"nogroup\" is not in the image's /etc/group")]
    [InlineData(":1", "no user before ':'")]
    [InlineData("odd", "user odd has no numeric uid")]
    public void Names_it_cannot_resolve_are_errors_naming_them(string spec, string message) =>
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => ImageUser.Resolve(spec, Files, "--user")).Message);

    [Fact]
    public void A_number_needs_no_passwd_at_all() =>
        Assert.Equal(5u, ImageUser.Resolve("5", _ => null, "--user").Uid);
}
