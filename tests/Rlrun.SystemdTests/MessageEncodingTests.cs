using Rlrun.Systemd;
using Rlrun.SystemdTests.Harness;
using Xunit;

namespace Rlrun.SystemdTests;

/// <summary>
/// What StartTransientUnit's message holds, as a fake manager on a private dbus-daemon decodes it
/// off the wire (see <see cref="FakeManager"/>): no systemd needed. The fake answers like
/// systemd, so the job wait and the unknown-property retry are driven too.
/// </summary>
public sealed class MessageEncodingTests(FakeManagerFixture fixture) : IClassFixture<FakeManagerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [DBusDaemonFact]
    public void StartTransientUnit_HasTheManagersSignature_AndEveryPropertyRoundTrips()
    {
        var fake = fixture.Manager;
        using var bus = fake.Connect();
        UnitProperty[] props =
        [
            UnitProperties.Description("a test"),
            UnitProperties.Delegate(),
            UnitProperties.DefaultDependencies(false),
            UnitProperties.Pids(11, 22),
            UnitProperties.MemoryMax(UnitProperties.Infinity),
            UnitProperties.AllowedCpus("0-3,8"),
            UnitProperty.Strings("Wants", ["a.service", "b.service"]),
            UnitProperty.UInt32("U", 7),
            UnitProperty.Int32("I", -7),
            UnitProperty.Int64("X", -70_000_000_000),
            UnitProperty.Double("D", 1.5),
            UnitProperty.Bytes("Empty", []),
        ];
        var started = TransientScope.Start(bus, "rlrun-x.scope", props, Timeout);

        var m = Assert.Single(fake.Starts);
        Assert.Equal("ssa(sv)a(sa(sv))", m.Signature);
        Assert.Equal("rlrun-x.scope", m.Unit);
        Assert.Equal("fail", m.Mode);
        Assert.Equal(0, m.AuxUnits); // no auxiliary units
        var read = m.Properties;

        Assert.Equal(props.Select(p => (p.Name, p.Signature)), read.Select(r => (r.Name, r.Sig)));
        Assert.Equal("a test", read[0].Value.AsString());
        Assert.True(read[1].Value.AsBool());
        Assert.False(read[2].Value.AsBool());
        Assert.Equal([11UL, 22UL], read[3].Value.AsUInt64s());
        Assert.Equal(ulong.MaxValue, read[4].Value.AsUInt64());
        Assert.Equal([0x0fUL, 0x01UL], read[5].Value.AsUInt64s());
        Assert.Equal(["a.service", "b.service"], read[6].Value.AsStrings());
        Assert.Equal(7UL, read[7].Value.AsUInt64());
        Assert.Equal(-7L, read[8].Value.AsInt64());
        Assert.Equal(-70_000_000_000L, read[9].Value.AsInt64());
        Assert.Equal(1.5, read[10].Value.AsDouble());
        Assert.Empty(read[11].Value.AsUInt64s());

        // The job's JobRemoved came right behind the reply: it was matched before the call.
        Assert.StartsWith("/org/freedesktop/systemd1/job/", started.JobPath);
        Assert.Empty(started.Dropped);
    }

    [DBusDaemonFact]
    public void AStringWithNul_IsRefused()
    {
        using var bus = fixture.Manager.Connect();
        Assert.Throws<ArgumentException>(() => TransientScope.BuildStartMessage(bus, "x.scope", [UnitProperties.Description("a\0b")]));
    }

    [DBusDaemonFact]
    public void ReadingTheWrongType_IsASystemdExceptionNamingTheCall()
    {
        var fake = fixture.Manager;
        fake.AnswerWrongType = true;
        using var bus = fake.Connect();
        var e = Assert.Throws<SystemdException>(() => TransientScope.Start(bus, "x.scope", [], Timeout));
        Assert.Contains("StartTransientUnit(x.scope)", e.Message);
        Assert.True(e.Errno > 0);
    }

    [DBusDaemonFact]
    public void ARefusedProperty_IsDropped_AndTheCallSentAgainWithoutIt()
    {
        var fake = fixture.Manager;
        fake.Refuse("RlrunNoSuchProperty");
        using var bus = fake.Connect();
        var warnings = new List<string>();
        var started = TransientScope.Start(bus, "rlrun-y.scope",
            [UnitProperties.Delegate(), UnitProperty.Bool("RlrunNoSuchProperty", true), UnitProperties.Pids(5)], Timeout, warnings.Add);

        Assert.Equal(2, fake.Starts.Count);
        Assert.Contains("RlrunNoSuchProperty", fake.Starts[0].Properties.Select(p => p.Name));
        Assert.Equal(["Delegate", "PIDs"], fake.Starts[1].Properties.Select(p => p.Name));
        Assert.Equal("RlrunNoSuchProperty", Assert.Single(started.Dropped).Name);
        var warning = Assert.Single(warnings);
        Assert.Contains("org.freedesktop.DBus.Error.PropertyReadOnly", warning);
        Assert.Contains("Cannot set property RlrunNoSuchProperty, or unknown property.", warning);
    }
}
