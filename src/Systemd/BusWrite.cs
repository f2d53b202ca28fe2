using Tmds.DBus.Protocol;

namespace Rlrun.Systemd;

/// <summary>Writing the parts of systemd's calls into a message body.</summary>
internal static class BusWrite
{
    /// <summary>A D-Bus string: refused (ArgumentException) when it holds a NUL, which the wire
    /// format cannot carry.</summary>
    public static void String(ref MessageWriter w, string s)
    {
        CheckString(s);
        w.WriteString(s);
    }

    public static void CheckString(string s)
    {
        if (s.Contains('\0')) throw new ArgumentException($"a D-Bus string cannot hold NUL: {s.Replace("\0", "\\0")}");
    }

    /// <summary>An a(sv) of unit properties: each the name, then the value in a variant of its signature.</summary>
    public static void Properties(ref MessageWriter w, IEnumerable<UnitProperty> properties)
    {
        var array = w.WriteArrayStart(DBusType.Struct);
        foreach (var p in properties)
        {
            w.WriteStructureStart();
            String(ref w, p.Name);
            w.WriteSignature(p.Signature);
            p.WriteValue(ref w);
        }
        w.WriteArrayEnd(array);
    }
}
