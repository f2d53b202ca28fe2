using Rlrun.Systemd;
using Xunit;

namespace Rlrun.SystemdTests;

/// <summary>Which property an error answer of StartTransientUnit refuses (drop and retry).</summary>
public sealed class RejectedPropertyTests
{
    private static readonly UnitProperty[] Props =
        [UnitProperties.Delegate(), UnitProperty.Bool("FooBar", true), UnitProperties.MemoryMax(1)];

    [Fact]
    public void Systemd252_PropertyReadOnly_NamesTheUnknownProperty()
    {
        // Seen from systemd 252 for a made-up property name.
        var p = TransientScope.RejectedProperty(DBusErrors.PropertyReadOnly,
            "Cannot set property FooBar, or unknown property.", Props);
        Assert.Same(Props[1], p);
    }

    [Theory]
    [InlineData(DBusErrors.InvalidArgs, "Unknown assignment FooBar")]
    [InlineData(DBusErrors.InvalidArgs, "Unknown property FooBar")]
    [InlineData(DBusErrors.UnknownProperty, "Unknown property 'FooBar'")]
    public void OlderWordings_AreUnderstoodToo(string name, string message) =>
        Assert.Same(Props[1], TransientScope.RejectedProperty(name, message, Props));

    [Theory]
    [InlineData(DBusErrors.PropertyReadOnly, "Cannot set property Other, or unknown property.")] // not one of ours
    [InlineData(DBusErrors.InvalidArgs, "Failed to set unit properties: Unexpected message contents")] // wrong type
    [InlineData(DBusErrors.UnitExists, "Cannot set property FooBar, or unknown property.")] // another error
    [InlineData("org.freedesktop.DBus.Error.AccessDenied", "Cannot set property FooBar, or unknown property.")]
    [InlineData(null, null)]
    public void OtherErrors_AreNotDropped(string? name, string? message) =>
        Assert.Null(TransientScope.RejectedProperty(name, message, Props));
}
