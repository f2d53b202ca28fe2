using Rlrun.Systemd;
using Xunit;

namespace Rlrun.SystemdTests;

public sealed class AnnotationPropertiesTests
{
    [Theory]
    [InlineData("true", "b", "true")]
    [InlineData("false", "b", "false")]
    [InlineData("boolean true", "b", "true")]
    [InlineData("@b false", "b", "false")]
    [InlineData("uint64 1024", "t", "1024")]
    [InlineData("@t 5", "t", "5")]
    [InlineData("1024", "t", "1024")]
    [InlineData(" 18446744073709551615 ", "t", "infinity")]
    [InlineData("uint32 7", "u", "7")]
    [InlineData("@u 7", "u", "7")]
    [InlineData("int32 -3", "i", "-3")]
    [InlineData("-3", "i", "-3")]
    [InlineData("int64 -5000000000", "x", "-5000000000")]
    [InlineData("@x 9", "x", "9")]
    [InlineData("double 0.5", "d", "0.5")]
    [InlineData("1.25", "d", "1.25")]
    [InlineData("'quoted text'", "s", "quoted text")]
    [InlineData("\"double quoted\"", "s", "double quoted")]
    [InlineData("'it\\'s'", "s", "it's")]
    [InlineData("string 'x'", "s", "x")]
    [InlineData("@s 'y'", "s", "y")]
    [InlineData("inactive-or-failed", "s", "inactive-or-failed")]
    [InlineData("", "s", "")]
    [InlineData("['a.service', 'b, c']", "as", "[a.service, b, c]")]
    [InlineData("@as []", "as", "[]")]
    [InlineData("@au [1, 2]", "au", "[1, 2]")]
    [InlineData("[uint32 3, uint32 4]", "au", "[3, 4]")]
    public void Values_AreTypedAsGVariantLiterals(string literal, string signature, string text)
    {
        var p = AnnotationProperties.ParseValue("Prop", literal);
        Assert.Equal("Prop", p.Name);
        Assert.Equal(signature, p.Signature);
        Assert.Equal(text, p.ValueText);
    }

    [Theory]
    [InlineData("uint64 -1")]
    [InlineData("uint64 abc")]
    [InlineData("uint32 5000000000")]
    [InlineData("int32 99999999999")]
    [InlineData("@b yes")]
    [InlineData("@s unquoted")]
    [InlineData("@q 1")]
    [InlineData("'unterminated")]
    [InlineData("'a'b'")]
    [InlineData("[1, 2]")]
    [InlineData("[]")]
    [InlineData("['a',]")]
    public void BadValues_Throw(string literal) =>
        Assert.ThrowsAny<Exception>(() => AnnotationProperties.ParseValue("Prop", literal));

    [Fact]
    public void OnlyTheSystemdPrefix_IsTaken_InKeyOrder()
    {
        var props = AnnotationProperties.FromAnnotations(new Dictionary<string, string>
        {
            ["org.systemd.property.MemoryMax"] = "uint64 1048576",
            ["org.systemd.property.CollectMode"] = "'inactive-or-failed'",
            ["org.opencontainers.image.title"] = "ignored",
            ["io.podman.annotations.foo"] = "true",
            ["org.systemd.property.Delegate"] = "true",
        });
        Assert.Equal(["CollectMode=inactive-or-failed (s)", "Delegate=true (b)", "MemoryMax=1048576 (t)"], props.Select(p => p.ToString()));
    }

    [Fact]
    public void NoAnnotations_NoProperties()
    {
        Assert.Empty(AnnotationProperties.FromAnnotations(null));
        Assert.Empty(AnnotationProperties.FromAnnotations(new Dictionary<string, string>()));
    }

    [Theory]
    [InlineData("TimeoutStopSec", "uint64 10", "TimeoutStopUSec", 10_000_000UL)]
    [InlineData("RuntimeMaxSec", "90", "RuntimeMaxUSec", 90_000_000UL)]
    [InlineData("TimeoutStopSec", "1.5", "TimeoutStopUSec", 1_500_000UL)]
    [InlineData("TimeoutStopSec", "@u 2", "TimeoutStopUSec", 2_000_000UL)]
    public void SecNames_BecomeUSec_TimesAMillion(string name, string literal, string newName, ulong usec)
    {
        var p = Assert.IsType<UInt64Property>(AnnotationProperties.Parse(name, literal));
        Assert.Equal(newName, p.Name);
        Assert.Equal(usec, p.Value);
    }

    [Fact]
    public void USecNames_AreKept() // "USec": the letter before "Sec" is upper case
    {
        var p = Assert.IsType<UInt64Property>(AnnotationProperties.Parse("CPUQuotaPerSecUSec", "uint64 500000"));
        Assert.Equal("CPUQuotaPerSecUSec", p.Name);
        Assert.Equal(500_000UL, p.Value);
    }

    [Fact]
    public void SecWithAString_IsAnError() =>
        Assert.Throws<FormatException>(() => AnnotationProperties.Parse("TimeoutStopSec", "'5s'"));

    [Theory]
    [InlineData("Ab")]          // too short
    [InlineData("Memory_Max")]  // not letters only
    [InlineData("CPU2")]
    [InlineData("")]
    public void BadNames_Throw(string name) =>
        Assert.Throws<FormatException>(() => AnnotationProperties.Parse(name, "true"));

    [Fact]
    public void ABadAnnotation_IsNamedInTheError()
    {
        var e = Assert.Throws<FormatException>(() => AnnotationProperties.FromAnnotations(
            new Dictionary<string, string> { ["org.systemd.property.MemoryMax"] = "uint64 lots" }));
        Assert.Contains("org.systemd.property.MemoryMax=uint64 lots", e.Message);
    }
}
