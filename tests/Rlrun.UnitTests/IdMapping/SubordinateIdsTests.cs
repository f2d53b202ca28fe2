using Rlrun.Runtime.IdMapping;
using Xunit;

namespace Rlrun.UnitTests.IdMapping;

public class SubordinateIdsTests
{
    const string Subuid = """
        # /etc/subuid written by useradd
        root:1000000:65536
        alice:100000:65536
        bob:165536:65536

        1002:231072:65536
        alice:300000:1000
        """;

    [Fact]
    public void Finds_the_ranges_of_a_user_by_name_in_file_order()
    {
        var ranges = SubordinateIds.Parse(Subuid, "alice", 1000);
        Assert.Equal([new SubordinateRange(100000, 65536), new SubordinateRange(300000, 1000)], ranges);
    }

    [Fact]
    public void Finds_a_range_given_by_numeric_uid()
    {
        Assert.Equal([new SubordinateRange(231072, 65536)], SubordinateIds.Parse(Subuid, "carol", 1002));
    }

    [Fact]
    public void Finds_a_range_by_uid_for_a_user_without_a_name()
    {
        Assert.Equal([new SubordinateRange(231072, 65536)], SubordinateIds.Parse(Subuid, null, 1002));
    }

    [Fact]
    public void Matches_both_the_name_and_the_uid_lines()
    {
        string content = "dave:400000:10\n1004:500000:20\n";
        Assert.Equal([new SubordinateRange(400000, 10), new SubordinateRange(500000, 20)], SubordinateIds.Parse(content, "dave", 1004));
    }

    [Fact]
    public void Other_users_ranges_are_not_returned()
    {
        Assert.Equal([new SubordinateRange(165536, 65536)], SubordinateIds.Parse(Subuid, "bob", 1001));
        Assert.Empty(SubordinateIds.Parse(Subuid, "eve", 1005));
    }

    [Fact]
    public void A_name_is_not_matched_as_a_prefix()
    {
        Assert.Empty(SubordinateIds.Parse("alice2:100000:65536\n10000:1:1\n", "alice", 1000));
    }

    [Fact]
    public void Comments_and_blank_lines_are_skipped()
    {
        string content = "#alice:1:1\n   \n  # alice:2:2\n\talice:3:3  \n";
        Assert.Equal([new SubordinateRange(3, 3)], SubordinateIds.Parse(content, "alice", 1000));
    }

    [Theory]
    [InlineData("alice:100000")]
    [InlineData("alice:100000:65536:extra")]
    [InlineData("alice:x:65536")]
    [InlineData("alice:100000:-5")]
    [InlineData("alice:100000:0")]
    [InlineData("alice::65536")]
    [InlineData("alice:4294967296:1")]
    public void Malformed_lines_are_skipped_and_the_rest_still_read(string bad)
    {
        string content = $"{bad}\nalice:200000:500\n";
        Assert.Equal([new SubordinateRange(200000, 500)], SubordinateIds.Parse(content, "alice", 1000));
    }

    [Fact]
    public void Windows_line_ends_are_tolerated()
    {
        Assert.Equal([new SubordinateRange(100000, 65536)], SubordinateIds.Parse("alice:100000:65536\r\n", "alice", 1000));
    }

    [Fact]
    public void Read_of_a_missing_file_gives_no_ranges()
    {
        Assert.Empty(SubordinateIds.Read(Path.Join(Path.GetTempPath(), $"no-subuid-{Guid.NewGuid():N}"), "alice", 1000));
    }
}
