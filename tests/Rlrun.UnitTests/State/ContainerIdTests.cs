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
    public void Ids_over_the_length_bound_are_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => ContainerId.Validate(new string('x', ContainerId.MaxLength + 1)));
        Assert.Contains(ContainerId.MaxLength.ToString(), e.Message);
    }

    [Fact]
    public void A_rejected_id_is_quoted_in_the_message()
    {
        var e = Assert.Throws<ArgumentException>(() => ContainerId.Validate("a/b"));
        Assert.Contains("\"a/b\"", e.Message);
    }
}
