using Rlrun.Systemd;
using Rlrun.SystemdTests.Harness;
using Xunit;

namespace Rlrun.SystemdTests;

/// <summary>
/// What StartTransientUnit's message holds, built with the real sd-bus (libsystemd) on a
/// connection nobody answers, sealed and read back: no manager needed.
/// </summary>
public sealed class MessageEncodingTests
{
    [LibsystemdFact]
    public void StartTransientUnit_HasTheManagersSignature_AndEveryPropertyRoundTrips()
    {
        using var bus = SystemdBus.OpenUnanswered();
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
        using var m = TransientScope.BuildStartMessage(bus, "rlrun-x.scope", props);
        m.SealAndRewind();

        Assert.Equal("ssa(sv)a(sa(sv))", m.Signature);
        Assert.Equal("rlrun-x.scope", m.ReadString());
        Assert.Equal("fail", m.ReadString());

        var read = new List<(string Name, string Sig, BusValue Value)>();
        Assert.True(m.EnterContainer('a', "(sv)"));
        while (m.Peek().Type != '\0')
        {
            m.EnterContainer('r', "sv");
            var name = m.ReadString();
            var (t, contents) = m.Peek();
            Assert.Equal('v', t);
            var value = m.ReadValue();
            read.Add((name, contents!, value));
            m.ExitContainer();
        }
        m.ExitContainer();
        Assert.True(m.EnterContainer('a', "(sa(sv))"));
        Assert.Equal('\0', m.Peek().Type); // no auxiliary units
        m.ExitContainer();

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
    }

    [LibsystemdFact]
    public void AStringWithNul_IsRefused()
    {
        using var bus = SystemdBus.OpenUnanswered();
        Assert.Throws<ArgumentException>(() => TransientScope.BuildStartMessage(bus, "x.scope", [UnitProperties.Description("a\0b")]).Dispose());
    }

    [LibsystemdFact]
    public void ReadingTheWrongType_IsASystemdExceptionNamingTheCall()
    {
        using var bus = SystemdBus.OpenUnanswered();
        using var m = TransientScope.BuildStartMessage(bus, "x.scope", []);
        m.SealAndRewind();
        var e = Assert.Throws<SystemdException>(() => m.ReadBool());
        Assert.Contains("StartTransientUnit(x.scope)", e.Message);
        Assert.True(e.Errno > 0);
    }
}
