using Rlrun.Images.Store;
using Xunit;

namespace Rlrun.UnitTests.Images;

/// <summary>`images NAME[:TAG]` matches names as podman 4.3's images does (seen side by side).</summary>
public sealed class ImageNameFilterTests
{
    [Theory]
    [InlineData("reg.example:5000/team/app:1", "reg.example:5000/team/app", true)]
    [InlineData("reg.example:5000/team/app:1", "team/app", true)]
    [InlineData("reg.example:5000/team/app:1", "app", true)]
    [InlineData("reg.example:5000/team/app:1", "app:1", true)]
    [InlineData("reg.example:5000/team/app:1", "app:2", false)]
    [InlineData("reg.example:5000/team/app:1", "pp", false)]
    [InlineData("reg.example:5000/team/app:1", "team", false)]
    [InlineData("reg.example:5000/team/app:1", "reg.example:5000/team/app:1", true)]
    [InlineData("localhost/app:latest", "app:latest", true)]
    [InlineData("reg.example/app@sha256:abc", "app", true)]
    [InlineData("reg.example/app@sha256:abc", "app@sha256:abc", true)]
    [InlineData("reg.example/app@sha256:abc", "app:latest", false)]
    public void Names_match_by_repository_and_its_last_parts_and_the_tag_when_given(string name, string query, bool matches) =>
        Assert.Equal(matches, ImageNameFilter.Matches(name, query));
}
