using Rlrun.Runtime.State;
using Xunit;

namespace Rlrun.UnitTests.State;

public class ContainerIdTests
{
    [Theory]
    [InlineData("web")]
    [InlineData("0")]
    [InlineData("my-container_1")]
    [InlineData("a.b")]
    [InlineData("A+B")]
    [InlineData("3f2a9c0e4b1d")]
    public void Normal_ids_are_accepted(string id)
    {
        Assert.Null(Record.Exception(() => ContainerId.Validate(id)));
    }

    [Fact]
    public void An_id_of_the_maximum_length_is_accepted()
    {
        Assert.Null(Record.Exception(() => ContainerId.Validate(new string('x', ContainerId.MaxLength))));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("/abs")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("../etc")]
    [InlineData("a..b")]
    [InlineData("a b")]
    [InlineData("a\nb")]
    [InlineData("a\0b")]
    [InlineData("caf\u00e9")]
    [InlineData("a:b")]
    public void Ids_that_are_not_a_plain_file_name_are_rejected(string id)
    {
        Assert.Throws<ArgumentException>(() => ContainerId.Validate(id));
    }

    [Fact]
    public void Ids_over_the_length_bound_are_rejected_naming_the_id_and_the_limit()
    {
        string id = new('x', ContainerId.MaxLength + 1);
        var e = Assert.Throws<ArgumentException>(() => ContainerId.Validate(id));
        Assert.Contains($"\"{id}\"", e.Message);
        Assert.Contains("at most 241", e.Message);
    }

    /// <summary>The bound is what the names carrying the ID leave of NAME_MAX and UNIT_NAME_MAX
    /// (255): a 300-character ID used to reach mkdir and fail there.</summary>
    [Fact]
    public void Every_name_made_from_a_longest_id_fits_in_255()
    {
        string id = new('x', ContainerId.MaxLength);
        string[] names =
        [
            id,                                                       // ROOT/ID
            Path.GetFileName(Rlrun.Runtime.Daemon.DaemonPaths.Record("/r", id)),
            Path.GetFileName(Rlrun.Runtime.Daemon.DaemonPaths.OutputFifos("/r", id).Stderr),
            $".{id}.4194304.tmp",                                     // SupervisionStore's temp file, pid_max's 7 digits
            Path.GetFileName(Rlrun.Runtime.Logs.LogPaths.Rotated(Rlrun.Runtime.Logs.LogPaths.For(id, "/l"), 99)),
            $"rlrun-{id}",                                            // the cgroupfs directory
            $"rlrun-{id}.scope",
            $"rlrun-{id}.service",                                    // generate systemd
        ];
        foreach (var name in names) Assert.True(name.Length <= 255, $"{name.Length}: {name}");
        Assert.Equal(255, names.Max(n => n.Length));
    }

    [Fact]
    public void A_rejected_id_is_quoted_in_the_message()
    {
        var e = Assert.Throws<ArgumentException>(() => ContainerId.Validate("a/b"));
        Assert.Contains("\"a/b\"", e.Message);
    }
}
