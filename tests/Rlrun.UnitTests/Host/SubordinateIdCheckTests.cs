using Rlrun.Runtime.Host;
using Rlrun.Runtime.IdMapping;
using Rlrun.UnitTests.Support;
using Xunit;

namespace Rlrun.UnitTests.Host;

public class SubordinateIdCheckTests
{
    static readonly CheckUser Alice = new(1000, 1000, "alice");

    static SubordinateIdFacts Facts(CheckUser user, params SubordinateRange[] ranges) =>
        new("/etc/subuid", user, ranges, 300000, FileExists: true);

    [Fact]
    public void A_full_range_is_ok_and_shown_as_start_count()
    {
        var r = SubordinateIdCheck.Evaluate(Facts(Alice, new SubordinateRange(100000, 65536)));
        Assert.Equal(CheckStatus.Ok, r.Status);
        Assert.Equal("subuid", r.Name);
        Assert.Equal("100000:65536", r.Detail);
    }

    [Fact]
    public void Several_ranges_are_shown_and_the_first_is_the_one_used()
    {
        var r = SubordinateIdCheck.Evaluate(Facts(Alice, new SubordinateRange(100000, 65536), new SubordinateRange(300000, 10)));
        Assert.Equal(CheckStatus.Ok, r.Status);
        Assert.Equal("100000:65536, 300000:10 (rlrun maps the first)", r.Detail);
    }

    [Fact]
    public void No_range_warns_with_usermod_after_the_highest_range_in_the_file()
    {
        var r = SubordinateIdCheck.Evaluate(Facts(Alice));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains("no range for alice (uid 1000) in /etc/subuid", r.Detail);
        Assert.Equal("usermod --add-subuids 300000-365535 alice", r.Fix);
    }

    [Fact]
    public void The_proposed_range_starts_at_100000_in_an_empty_file()
    {
        var r = SubordinateIdCheck.Evaluate(new SubordinateIdFacts("/etc/subgid", Alice, [], 0, FileExists: false));
        Assert.Equal("subgid", r.Name);
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains("no /etc/subgid", r.Detail);
        Assert.Equal("usermod --add-subgids 100000-165535 alice", r.Fix);
    }

    [Fact]
    public void A_small_first_range_warns_and_the_fix_replaces_it()
    {
        var r = SubordinateIdCheck.Evaluate(Facts(Alice, new SubordinateRange(200000, 1000)));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains("200000:1000", r.Detail);
        Assert.Contains("fewer than 65536", r.Detail);
        Assert.Equal("usermod --del-subuids 200000-200999 --add-subuids 300000-365535 alice", r.Fix);
    }

    [Fact]
    public void A_uid_without_a_name_gets_a_line_for_the_file()
    {
        var nameless = new CheckUser(1500, 1500, null);
        Assert.Equal("echo 1500:300000:65536 >> /etc/subuid", SubordinateIdCheck.Evaluate(Facts(nameless)).Fix);
    }

    [Fact]
    public void Root_needs_no_range()
    {
        Assert.Equal(CheckStatus.Ok, SubordinateIdCheck.Evaluate(Facts(new CheckUser(0, 0, "root"))).Status);
    }

    [Fact]
    public void An_unreadable_file_warns()
    {
        var r = SubordinateIdCheck.Evaluate(new SubordinateIdFacts("/etc/subuid", Alice, [], 0, true, "Permission denied"));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains("Permission denied", r.Detail);
    }

    [Fact]
    public void The_highest_end_covers_every_line()
    {
        Assert.Equal(365536UL, SubordinateIdFacts.HighestEndIn("# c\nalice:100000:65536\nbob:300000:65536\n1002:200000:65536\nbad line\n"));
        Assert.Equal(0UL, SubordinateIdFacts.HighestEndIn(""));
    }

    [Fact]
    public void Gathering_reads_by_name_and_by_uid()
    {
        using var dir = new TempDir();
        string file = dir.Join("subuid");
        File.WriteAllText(file, "alice:100000:65536\n1000:500000:65536\nbob:165536:65536\n");
        var facts = SubordinateIdFacts.Gather(file, Alice);
        Assert.Equal([new SubordinateRange(100000, 65536), new SubordinateRange(500000, 65536)], facts.Ranges);
        Assert.Equal(565536UL, facts.HighestEnd);
        Assert.False(SubordinateIdFacts.Gather(dir.Join("absent"), Alice).FileExists);
    }
}
